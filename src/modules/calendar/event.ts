import type { PlainDate } from "./dates.ts";

/** What a school calendar event is about; feeds' events have none. */
export type SchoolEventKind = "term_start" | "term_end" | "lov" | "lovdag" | "studiedag" | "note" | "holiday";

/**
 * One event (or one occurrence of a recurring one) as every part of the module sees it:
 * the ICS writer, the Google sync, reminders, `upcoming` and the entities.
 */
export interface CalendarEvent {
  /** The configured calendar it belongs to (a school or a feed id). */
  calendar: string;
  calendarName: string;
  /** Stable across rebuilds: subscribers and Google use it to match events. */
  uid: string;
  /** For an occurrence of a recurring event: its original start (RECURRENCE-ID), ISO. */
  recurrenceId?: string;
  summary: string;
  description?: string;
  location?: string;
  allDay: boolean;
  /** All-day events: the first day and the day after the last (exclusive, as DTEND). */
  startDate?: PlainDate;
  endDate?: PlainDate;
  /** Epoch milliseconds; for all-day events, local midnight in the calendar's time zone. */
  start: number;
  end: number;
  kind?: SchoolEventKind;
}

/** An event's occurrence key: unique within a calendar, even for recurring events. */
export function occurrenceKey(event: Pick<CalendarEvent, "uid" | "recurrenceId" | "start">): string {
  return event.recurrenceId ? `${event.uid}#${event.recurrenceId}` : event.uid;
}
