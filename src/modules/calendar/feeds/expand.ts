import ICAL from "ical.js";
import { addDays, isTimeZone, type PlainDate, startOfDate, zonedTime } from "../dates.ts";
import type { CalendarEvent } from "../event.ts";
import { laterSeriesStart } from "./series-start.ts";

export interface ParsedFeed {
  /** X-WR-CALNAME, when the feed names itself. */
  name?: string;
  /** X-WR-TIMEZONE or the configured zone: for floating times and all-day events. */
  timeZone: string;
  /** VEVENTs grouped by UID: the master (if any) and its overridden instances. */
  groups: Map<string, { master?: ICAL.Component; exceptions: ICAL.Component[] }>;
  timezones: ICAL.Component[];
  components: number;
}

/** A runaway rule (FREQ=SECONDLY with no end) must not hang the daemon. */
const MAX_ITERATIONS = 100_000;

/** Parses iCalendar text; throws on anything that is not iCalendar. */
export function parseFeed(text: string, defaultTimeZone: string): ParsedFeed {
  const root = new ICAL.Component(ICAL.parse(text));
  if (root.name !== "vcalendar") throw new Error(`expected a VCALENDAR, found ${root.name.toUpperCase()}`);
  const zoneName = root.getFirstPropertyValue("x-wr-timezone");
  const timeZone = typeof zoneName === "string" && isTimeZone(zoneName) ? zoneName : defaultTimeZone;
  const name = root.getFirstPropertyValue("x-wr-calname");
  const groups: ParsedFeed["groups"] = new Map();
  const events = root.getAllSubcomponents("vevent");
  for (const component of events) {
    const uid = String(component.getFirstPropertyValue("uid") ?? "");
    if (!uid) continue;
    let group = groups.get(uid);
    if (!group) {
      group = { exceptions: [] };
      groups.set(uid, group);
    }
    if (component.hasProperty("recurrence-id")) group.exceptions.push(component);
    else group.master = component;
  }
  return {
    ...(typeof name === "string" && name ? { name } : {}),
    timeZone,
    groups,
    timezones: root.getAllSubcomponents("vtimezone"),
    components: events.length,
  };
}

function plainDateOf(time: ICAL.Time): PlainDate {
  return `${String(time.year).padStart(4, "0")}-${String(time.month).padStart(2, "0")}-${String(time.day).padStart(2, "0")}`;
}

/** The TZID that ical.js could not resolve, which it keeps on a time read from a property, untyped. */
function unresolvedTzid(time: ICAL.Time): string | undefined {
  return (time as unknown as { timezone?: string }).timezone;
}

/**
 * An ICAL.Time as an instant. Zones the feed defines (VTIMEZONE) and UTC are exact; a
 * TZID the feed does not define is looked up as an IANA name; floating times and
 * unknown zones are read in the feed's time zone. `seriesTzid` stands in for the TZID of
 * a recurring event's occurrences, which ical.js makes as copies that drop it.
 */
function instant(time: ICAL.Time, timeZone: string, seriesTzid?: string): number {
  if (time.isDate) return startOfDate(plainDateOf(time), timeZone);
  const zone = time.zone?.tzid;
  if (zone && zone !== "floating") return time.toUnixTime() * 1000;
  const tzid = unresolvedTzid(time) ?? seriesTzid;
  const named = tzid && isTimeZone(tzid) ? tzid : timeZone;
  const hhmm = `${String(time.hour).padStart(2, "0")}:${String(time.minute).padStart(2, "0")}`;
  return zonedTime(plainDateOf(time), hhmm, named) + time.second * 1000;
}

function text(component: ICAL.Component, property: string): string | undefined {
  const value = component.getFirstPropertyValue(property);
  return typeof value === "string" && value.trim() ? value : undefined;
}

function occurrence(
  item: ICAL.Event,
  start: ICAL.Time,
  end: ICAL.Time,
  feed: ParsedFeed,
  meta: { calendar: string; calendarName: string },
  recurrenceId: ICAL.Time | undefined,
  shared: Shared = sharedFields(item),
  seriesTzid?: string,
): CalendarEvent {
  const allDay = start.isDate;
  const startMs = instant(start, feed.timeZone, seriesTzid);
  let endMs = instant(end, feed.timeZone, seriesTzid);
  const event: CalendarEvent = {
    calendar: meta.calendar,
    calendarName: meta.calendarName,
    uid: shared.uid,
    summary: shared.summary,
    allDay,
    start: startMs,
    end: endMs,
  };
  if (allDay) {
    event.startDate = plainDateOf(start);
    let endDate = end.isDate ? plainDateOf(end) : addDays(event.startDate, 1);
    if (endDate <= event.startDate) endDate = addDays(event.startDate, 1);
    event.endDate = endDate;
    endMs = startOfDate(endDate, feed.timeZone);
    event.end = endMs;
  } else if (endMs < startMs) {
    event.end = startMs;
  }
  if (shared.description) event.description = shared.description;
  if (shared.location) event.location = shared.location;
  if (recurrenceId) {
    event.recurrenceId = recurrenceId.isDate
      ? plainDateOf(recurrenceId)
      : new Date(instant(recurrenceId, feed.timeZone, seriesTzid)).toISOString();
  }
  return event;
}

interface Shared {
  uid: string;
  summary: string;
  description?: string;
  location?: string;
}

/** What every occurrence of a series has in common, read once per series. */
function sharedFields(item: ICAL.Event): Shared {
  const description = text(item.component, "description");
  const location = text(item.component, "location");
  return {
    uid: item.uid,
    summary: item.summary || "(no title)",
    ...(description ? { description } : {}),
    ...(location ? { location } : {}),
  };
}

function plainDateOfInstant(ms: number): PlainDate {
  return new Date(ms).toISOString().slice(0, 10);
}

function dayNumber(date: PlainDate): number {
  return Number(date.replaceAll("-", ""));
}

function cancelled(component: ICAL.Component): boolean {
  return String(component.getFirstPropertyValue("status") ?? "").toUpperCase() === "CANCELLED";
}

function overlaps(event: CalendarEvent, from: number, to: number): boolean {
  return event.start < to && (event.end > from || (event.end === event.start && event.start >= from));
}

/**
 * Every occurrence overlapping [from, to): recurrence rules (RRULE, RDATE) expanded,
 * EXDATEs left out, overridden instances (RECURRENCE-ID) in place of the ones they
 * replace, cancelled ones dropped, times converted with the feed's own time zones.
 */
export function expandFeed(
  feed: ParsedFeed,
  range: { from: number; to: number },
  meta: { calendar: string; calendarName: string },
): CalendarEvent[] {
  // The timezone service is global to ical.js: the feed's own definitions go in before
  // its times are read, so two feeds with different VTIMEZONEs each get their own.
  for (const tz of feed.timezones) ICAL.TimezoneService.register(tz);
  const out: CalendarEvent[] = [];
  for (const group of feed.groups.values()) {
    if (!group.master) {
      // Overridden instances whose series is not in the feed (shared single instances).
      for (const exception of group.exceptions) {
        if (cancelled(exception)) continue;
        const item = new ICAL.Event(exception);
        const event = occurrence(item, item.startDate, item.endDate, feed, meta, item.recurrenceId);
        if (overlaps(event, range.from, range.to)) out.push(event);
      }
      continue;
    }
    if (cancelled(group.master)) continue;
    // Exceptions are passed in: without them ical.js scans every VEVENT of the feed for
    // each series, which makes a large feed quadratic.
    const master = new ICAL.Event(group.master, { exceptions: group.exceptions, strictExceptions: true });
    if (!master.isRecurring()) {
      const event = occurrence(master, master.startDate, master.endDate, feed, meta, undefined);
      if (overlaps(event, range.from, range.to)) out.push(event);
      continue;
    }
    const seen = new Set<string>();
    // Wall-clock day numbers bound the loop without converting every occurrence to an
    // instant: a margin of the event's length plus two days covers any zone offset.
    const duration = master.duration;
    const marginDays = Math.ceil(Math.max(0, duration.toSeconds()) / 86_400) + 2;
    const firstDate = addDays(plainDateOfInstant(range.from), -marginDays);
    const firstDay = dayNumber(firstDate);
    const lastDay = dayNumber(addDays(plainDateOfInstant(range.to), 2));
    const shared = sharedFields(master);
    const seriesTzid = unresolvedTzid(master.startDate);
    const iterator = master.iterator(laterSeriesStart(group.master, master.startDate, firstDate));
    const hasExceptions = group.exceptions.length > 0;
    for (let i = 0, next = iterator.next(); next && i < MAX_ITERATIONS; i++, next = iterator.next()) {
      const day = next.year * 10_000 + next.month * 100 + next.day;
      if (day > lastDay) break;
      if (day < firstDay) continue;
      // The original start decides when to stop; an override may move an instance, not the series.
      if (instant(next, feed.timeZone, seriesTzid) >= range.to) break;
      let event: CalendarEvent;
      if (hasExceptions) {
        const details = master.getOccurrenceDetails(next);
        seen.add(next.toString());
        if (details.item !== master && cancelled(details.item.component)) continue;
        event = occurrence(
          details.item,
          details.startDate,
          details.endDate,
          feed,
          meta,
          details.recurrenceId,
          details.item === master ? shared : undefined,
          seriesTzid,
        );
      } else {
        // What getOccurrenceDetails does for an instance nothing overrides, without its lookups.
        const end = next.clone();
        end.addDuration(duration);
        event = occurrence(master, next, end, feed, meta, next, shared, seriesTzid);
      }
      if (overlaps(event, range.from, range.to)) out.push(event);
    }
    // Instances whose original time is past the range but that were moved into it.
    for (const exception of group.exceptions) {
      const item = new ICAL.Event(exception);
      if (seen.has(item.recurrenceId.toString()) || cancelled(exception)) continue;
      const event = occurrence(item, item.startDate, item.endDate, feed, meta, item.recurrenceId);
      if (overlaps(event, range.from, range.to)) out.push(event);
    }
  }
  return out.sort((a, b) => a.start - b.start || a.uid.localeCompare(b.uid));
}
