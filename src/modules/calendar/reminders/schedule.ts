import type { ReminderRule } from "../config.ts";
import { addDays, dateIn, startOfDate, zonedTime } from "../dates.ts";
import { type CalendarEvent, occurrenceKey } from "../event.ts";

/** One reminder of one event occurrence by one rule. */
export interface DueReminder {
  /** Unique per calendar, occurrence, start and rule: what "fires once" is counted by. */
  key: string;
  rule: string;
  dueAt: number;
  event: CalendarEvent;
}

export function ruleKey(rule: ReminderRule): string {
  return "before" in rule ? `before:${rule.before}s` : `${rule.days_before}d@${rule.at}`;
}

/** The day an event is on, in the reminder's time zone. */
export function eventDate(event: CalendarEvent, timeZone: string): string {
  return event.allDay ? event.startDate! : dateIn(event.start, timeZone);
}

/** "the evening before at 19:00" is 19:00 local time on the day before, whatever the offset that day. */
export function dueAt(event: CalendarEvent, rule: ReminderRule, timeZone: string): number {
  if ("before" in rule) return event.start - rule.before * 1000;
  return zonedTime(addDays(eventDate(event, timeZone), -rule.days_before), rule.at, timeZone);
}

/**
 * Until when a reminder still helps: a timed event until it starts, an all-day event
 * until the end of its first day (a late "höstlov starts today" at 09:00 still tells
 * the family something; at 23:59 it does not, and the next day it is wrong).
 */
export function usefulUntil(event: CalendarEvent, timeZone: string): number {
  return event.allDay ? startOfDate(addDays(event.startDate!, 1), timeZone) : event.start;
}

export function remindersOf(
  events: readonly CalendarEvent[],
  rules: readonly ReminderRule[],
  timeZone: string,
  window: { from: number; to: number },
): DueReminder[] {
  const out: DueReminder[] = [];
  for (const event of events) {
    for (const rule of rules) {
      const due = dueAt(event, rule, timeZone);
      if (due <= window.from || due > window.to) continue;
      const rk = ruleKey(rule);
      const start = event.allDay ? event.startDate! : new Date(event.start).toISOString();
      out.push({
        key: `${event.calendar}|${occurrenceKey(event)}|${start}|${rk}`,
        rule: rk,
        dueAt: due,
        event,
      });
    }
  }
  return out.sort((a, b) => a.dueAt - b.dueAt || a.key.localeCompare(b.key));
}
