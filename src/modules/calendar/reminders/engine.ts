import type { DatabaseSync } from "../../../core/db.ts";
import { errorMessage } from "../../../core/errors.ts";
import type { ReminderRule } from "../config.ts";
import type { CalendarEvent } from "../event.ts";
import { type DueReminder, remindersOf, usefulUntil } from "./schedule.ts";

/** A calendar as reminders see it: its rules and its events in a window. */
export interface ReminderCalendar {
  id: string;
  rules: readonly ReminderRule[];
  events(from: number, to: number): readonly CalendarEvent[];
}

export interface ReminderEngineOptions {
  db: DatabaseSync;
  timeZone: string;
  now: () => number;
  /** Send reminders that were due while the machine slept or deskhub was not running... */
  sendLate: boolean;
  /** ...if they are at most this late (and the event has not begun). */
  maxLateMs: number;
  /** A reminder this late is still on time (a tick interval, a slow start). */
  graceMs?: number;
  /** How long to wait before trying a failed delivery again. */
  retryMs?: number;
  /** Delivers a reminder; throws when nothing could be delivered. */
  deliver(reminder: DueReminder, late: number): Promise<void>;
}

export interface Handled {
  reminder: DueReminder;
  status: "sent" | "skipped" | "failed";
  lateMs: number;
  reason?: string;
}

interface Row {
  key: string;
  status: "sent" | "skipped" | "failed";
  handled_at: number;
  attempts: number;
}

/** The longest days_before a rule may have, plus a day: how far ahead events are read. */
const AHEAD_MS = 32 * 86_400_000;

/**
 * Fires each reminder once. What was sent (or given up) is recorded in SQLite before the
 * next tick, so a restart neither repeats a reminder nor forgets one that came due while
 * deskhub was down. Ticks read the wall clock, so a machine that slept through a
 * reminder finds it on its first tick after waking, and sends it late only if it is
 * still useful.
 */
export class ReminderEngine {
  #options: ReminderEngineOptions;
  #grace: number;
  #retry: number;

  constructor(options: ReminderEngineOptions) {
    this.#options = options;
    this.#grace = options.graceMs ?? 120_000;
    this.#retry = options.retryMs ?? 300_000;
  }

  /** How far back a tick looks for reminders nobody handled. */
  get lookbackMs(): number {
    return Math.max(this.#options.maxLateMs, 6 * 3_600_000) + this.#grace;
  }

  #candidates(calendars: readonly ReminderCalendar[], from: number, to: number): DueReminder[] {
    const out: DueReminder[] = [];
    for (const calendar of calendars) {
      if (calendar.rules.length === 0) continue;
      const events = calendar.events(from, to + AHEAD_MS);
      out.push(...remindersOf(events, calendar.rules, this.#options.timeZone, { from, to }));
    }
    return out.sort((a, b) => a.dueAt - b.dueAt);
  }

  #rows(since: number): Map<string, Row> {
    const rows = this.#options.db
      .prepare("SELECT key, status, handled_at, attempts FROM reminders WHERE due_at > ?")
      .all(since) as unknown as Row[];
    return new Map(rows.map((r) => [r.key, r]));
  }

  #record(
    reminder: DueReminder,
    status: Handled["status"],
    lateMs: number,
    attempts: number,
    error?: string,
  ): void {
    this.#options.db
      .prepare(
        `INSERT INTO reminders (key, calendar, uid, occurrence, rule, due_at, status, handled_at, late_ms, attempts, error, summary)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET status = excluded.status, handled_at = excluded.handled_at,
           late_ms = excluded.late_ms, attempts = excluded.attempts, error = excluded.error`,
      )
      .run(
        reminder.key,
        reminder.event.calendar,
        reminder.event.uid,
        reminder.event.allDay ? reminder.event.startDate! : new Date(reminder.event.start).toISOString(),
        reminder.rule,
        reminder.dueAt,
        status,
        this.#options.now(),
        lateMs,
        attempts,
        error ?? null,
        reminder.event.summary,
      );
  }

  /** Handles every reminder that is due and not yet handled; returns what it did. */
  async tick(calendars: readonly ReminderCalendar[]): Promise<Handled[]> {
    const now = this.#options.now();
    const since = now - this.lookbackMs;
    const rows = this.#rows(since);
    const handled: Handled[] = [];
    for (const reminder of this.#candidates(calendars, since, now)) {
      const row = rows.get(reminder.key);
      if (row && row.status !== "failed") continue;
      if (row && now - row.handled_at < this.#retry) continue;
      const lateMs = Math.max(0, now - reminder.dueAt);
      const attempts = (row?.attempts ?? 0) + 1;
      const useful = now < usefulUntil(reminder.event, this.#options.timeZone);
      const tooLate = lateMs > this.#grace && (!this.#options.sendLate || lateMs > this.#options.maxLateMs);
      if (!useful || tooLate) {
        const reason = !useful ? "the event had already begun" : `${Math.round(lateMs / 60_000)} min late`;
        this.#record(reminder, "skipped", lateMs, attempts - 1, reason);
        handled.push({ reminder, status: "skipped", lateMs, reason });
        continue;
      }
      try {
        await this.#options.deliver(reminder, lateMs);
        this.#record(reminder, "sent", lateMs, attempts);
        handled.push({ reminder, status: "sent", lateMs });
      } catch (error) {
        this.#record(reminder, "failed", lateMs, attempts, errorMessage(error));
        handled.push({ reminder, status: "failed", lateMs, reason: errorMessage(error) });
      }
    }
    return handled;
  }

  /** Reminders still to come in the next `withinMs`, for `upcoming` and the entities. */
  upcoming(calendars: readonly ReminderCalendar[], withinMs: number): DueReminder[] {
    const now = this.#options.now();
    const rows = this.#rows(now);
    return this.#candidates(calendars, now, now + withinMs).filter((r) => !rows.has(r.key));
  }
}
