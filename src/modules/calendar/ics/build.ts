import ical, { ICalEventTransparency } from "ical-generator";
import type { CalendarEvent } from "../event.ts";

export interface IcsMeta {
  name: string;
  description?: string;
  timeZone: string;
  /**
   * DTSTAMP of every event. A fixed value (the data's checked date) makes two builds of
   * the same data byte-identical, so HTTP caches and ETags work and diffs stay empty.
   */
  stamp: Date;
}

/**
 * Writes events as an iCalendar file. All-day events get DATE values with an exclusive
 * DTEND (RFC 5545 3.6.1): a lov from Monday to Friday ends on Saturday. Dates are passed
 * as plain strings, never as instants: an instant at Stockholm midnight would be written
 * as the previous day in UTC.
 */
export function buildIcs(events: readonly CalendarEvent[], meta: IcsMeta): string {
  const calendar = ical({
    name: meta.name,
    description: meta.description ?? null,
    prodId: { company: "deskhub", product: "calendar", language: "SV" },
    // Subscribers (Google, Apple, Thunderbird) re-read the feed about this often.
    ttl: 6 * 3600,
    x: [["X-WR-TIMEZONE", meta.timeZone]],
  });
  for (const event of events) {
    calendar.createEvent({
      id: event.uid,
      summary: event.summary,
      description: event.description ?? null,
      location: event.location ?? null,
      ...(event.allDay
        ? { allDay: true, start: event.startDate!, end: event.endDate! }
        : { start: new Date(event.start), end: new Date(event.end) }),
      stamp: meta.stamp,
      transparency: ICalEventTransparency.TRANSPARENT,
      categories: event.kind ? [{ name: event.kind }] : [],
    });
  }
  return calendar.toString();
}
