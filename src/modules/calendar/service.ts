import { z } from "zod";
import { errorMessage } from "../../core/errors.ts";
import type { Service, ServiceContext } from "../../core/module.ts";
import { Calendars } from "./calendars.ts";
import type { CalendarConfig } from "./config.ts";
import { dateIn } from "./dates.ts";
import { defineEntities, updateEntities } from "./entities.ts";
import { reminderDelivery } from "./reminders/deliver.ts";
import { ReminderEngine } from "./reminders/engine.ts";

const TICK_MS = 30_000;
const DAY = 86_400_000;

/**
 * The calendar part of `deskhub up` (its HTTP routes are added by index.ts): refreshes
 * feeds on their schedules, fires reminders, keeps the entities current and, if asked,
 * syncs to Google. Everything runs from one wall-clock tick, so a machine that slept
 * catches up on its first tick after waking.
 */
export function calendarService(ctx: ServiceContext, config: CalendarConfig): Service {
  let calendars: Calendars | undefined;
  let engine: ReminderEngine | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastTick = 0;
  let lastSync = 0;
  const refreshing = new Set<string>();

  const refreshFeed = async (id: string) => {
    if (!calendars || refreshing.has(id)) return;
    refreshing.add(id);
    try {
      const state = await calendars.feeds.refresh(id, { signal: ctx.signal });
      if (state.status === "error")
        ctx.log.warn({ feed: id, error: state.error }, "calendar feed failed; keeping its last good copy");
      else ctx.log.debug({ feed: id, outcome: state.outcome }, "calendar feed checked");
    } finally {
      refreshing.delete(id);
    }
  };

  const sync = async () => {
    if (!calendars) return [];
    const { runGoogleSync } = await import("./google/run.ts");
    return runGoogleSync(calendars, { secrets: ctx.secrets, dryRun: false });
  };

  const health = () => {
    if (!calendars) return;
    const broken = calendars.feeds.ids().filter((id) => calendars!.feeds.summary(id).status === "error");
    const today = dateIn(Date.now(), config.timezone);
    const schools = config.schools
      .map((s) => calendars!.missingData(s.id, today)?.message)
      .filter((m) => m !== undefined);
    const feeds = broken.map((id) => `feed ${id}: ${calendars!.feeds.summary(id).error}`);
    const problems = [...new Set(schools), ...feeds];
    ctx.health(problems.length ? "degraded" : "ok", problems.join("; ") || undefined);
  };

  const publish = () => {
    if (!calendars || !engine) return;
    try {
      updateEntities(
        ctx.store,
        calendars,
        Date.now(),
        engine.upcoming(calendars.reminderCalendars(), 40 * DAY)[0],
      );
    } catch (error) {
      ctx.log.error({ err: error }, "calendar entities failed");
    }
    health();
  };

  const tick = async () => {
    if (!calendars || !engine) return;
    const now = Date.now();
    if (lastTick && now - lastTick > 3 * TICK_MS) {
      ctx.log.info(
        { gap_s: Math.round((now - lastTick) / 1000) },
        "the clock jumped (the machine slept?); catching up",
      );
    }
    lastTick = now;
    for (const id of calendars.feeds.ids()) {
      if (calendars.feeds.due(id, now)) void refreshFeed(id).then(publish);
    }
    try {
      for (const handled of await engine.tick(calendars.reminderCalendars())) {
        if (handled.status !== "sent") {
          ctx.log.info(
            { reminder: handled.reminder.key, status: handled.status, reason: handled.reason },
            "reminder not sent",
          );
        }
      }
    } catch (error) {
      ctx.log.error({ err: error }, "reminders failed");
    }
    if (config.google.sync_every > 0 && now - lastSync >= config.google.sync_every * 1000) {
      lastSync = now;
      await sync().catch((error: unknown) =>
        ctx.log.warn({ error: errorMessage(error) }, "Google Calendar sync failed"),
      );
    }
    publish();
  };

  const schedule = (delay: number) => {
    timer = setTimeout(() => {
      running = tick()
        .catch((error: unknown) => ctx.log.error({ err: error }, "calendar tick failed"))
        .finally(() => {
          running = undefined;
          if (!ctx.signal.aborted) schedule(TICK_MS);
        });
    }, delay);
    timer.unref();
  };

  return {
    async start() {
      calendars = await Calendars.open(ctx, config);
      for (const problem of calendars.problems)
        ctx.log.warn({ school: problem.school, hint: problem.hint }, problem.message);
      engine = new ReminderEngine({
        db: calendars.db,
        timeZone: config.timezone,
        now: Date.now,
        sendLate: config.reminders.send_late,
        maxLateMs: config.reminders.max_late * 1000,
        deliver: reminderDelivery({
          config: config.reminders,
          timeZone: config.timezone,
          store: ctx.store,
          env: ctx.env,
          log: ctx.log,
          now: Date.now,
        }),
      });
      defineEntities(ctx.store, calendars);
      ctx.store.command({
        id: "calendar.refresh",
        summary: "Fetch every calendar feed now",
        args: z.object({}),
        handler: async () => {
          await Promise.all(calendars!.feeds.ids().map((id) => refreshFeed(id)));
          publish();
          return calendars!.feeds.ids().map((id) => calendars!.feeds.summary(id));
        },
      });
      if (config.schools.some((s) => s.google_calendar_id)) {
        ctx.store.command({
          id: "calendar.sync",
          summary: "Sync the school calendars to Google Calendar",
          args: z.object({}),
          handler: () => sync(),
        });
      }
      // The first tick runs right after start returns, so what it reports (a missing
      // school year, a broken feed) is not overwritten by the daemon's "running".
      schedule(0);
    },
    async stop() {
      clearTimeout(timer);
      await running;
    },
  };
}
