import { addDays, isWeekend, type PlainDate, startOfDate } from "../dates.ts";
import type { CalendarEvent, SchoolEventKind } from "../event.ts";
import { holidaysBetween } from "./holidays.ts";
import type { SchoolYear } from "./schema.ts";

export interface SchoolCalendarOptions {
  /** The configured calendar id; part of every UID, so two calendars never share one. */
  id: string;
  name: string;
  /** Prefixes summaries ("Alva: Höstlov") and UIDs, for one calendar per child. */
  child?: string;
  /** Public holidays inside the school year as events of their own. */
  holidays: boolean;
  timeZone: string;
}

export const UID_DOMAIN = "deskhub";

export function slug(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * Turns school years into all-day events. UIDs are built from what an event is (the
 * calendar, the year, the kind and, where a kind repeats, its date), never from its
 * position in a file, so a rebuild gives every event the UID it had and a moved höstlov
 * is the same event with new dates.
 */
export function schoolEvents(years: readonly SchoolYear[], options: SchoolCalendarOptions): CalendarEvent[] {
  const events: CalendarEvent[] = [];
  const prefix = options.child ? `${options.child}: ` : "";
  const childSlug = options.child ? slug(options.child) : undefined;
  const uidBase = childSlug && childSlug !== options.id ? `${options.id}-${childSlug}` : options.id;
  const seen = new Set<string>();

  for (const year of years) {
    const yearSlug = year.year.replace("/", "-");
    const source = `${year.municipalityName}, läsåret ${year.year}. Källa: ${year.source.url} (kontrollerad ${year.source.checked}).`;
    const add = (
      key: string,
      kind: SchoolEventKind,
      summary: string,
      first: PlainDate,
      last: PlainDate,
      extra?: string,
    ) => {
      let uid = `${uidBase}-${yearSlug}-${key}@${UID_DOMAIN}`;
      for (let n = 2; seen.has(uid); n++) uid = `${uidBase}-${yearSlug}-${key}-${n}@${UID_DOMAIN}`;
      seen.add(uid);
      const endDate = addDays(last, 1);
      events.push({
        calendar: options.id,
        calendarName: options.name,
        uid,
        summary: `${prefix}${summary}`,
        description: extra ? `${extra}\n${source}` : source,
        allDay: true,
        startDate: first,
        endDate,
        start: startOfDate(first, options.timeZone),
        end: startOfDate(endDate, options.timeZone),
        kind,
      });
    };

    for (const term of year.terms) {
      const t = term.term.toLowerCase();
      const autumn = term.term.startsWith("HT");
      add(
        `${t}-start`,
        "term_start",
        `Skolstart ${autumn ? "höstterminen" : "vårterminen"}`,
        term.start,
        term.start,
      );
      add(
        `${t}-end`,
        "term_end",
        `Sista skoldagen ${autumn ? "höstterminen" : "vårterminen"}`,
        term.end,
        term.end,
      );
    }
    for (const off of year.daysOff) {
      const periodic = off.kind !== "lovdag" && off.kind !== "studiedag" && off.kind !== "lov";
      const key = periodic ? off.kind : `${off.kind}-${off.start}`;
      const kind: SchoolEventKind = off.kind === "lovdag" || off.kind === "studiedag" ? off.kind : "lov";
      add(key, kind, off.name, off.start, off.end, off.note);
    }
    for (const note of year.notes) {
      const forms = note.appliesTo.length ? ` (${note.appliesTo.join(", ")})` : "";
      add(
        `${slug(note.name)}-${note.date}`,
        "note",
        note.name,
        note.date,
        note.date,
        `${note.description ?? note.name}${forms}`,
      );
    }
    if (options.holidays) {
      const first = year.terms[0]!.start;
      const last = year.terms.at(-1)!.end;
      for (const holiday of holidaysBetween(first, last)) {
        // A holiday on a weekend changes nothing for school.
        if (isWeekend(holiday.date)) continue;
        add(
          `helgdag-${holiday.date}`,
          "holiday",
          holiday.name,
          holiday.date,
          holiday.date,
          "Helgdag, ingen skola.",
        );
      }
    }
  }
  return events.sort((a, b) => a.start - b.start || a.uid.localeCompare(b.uid));
}
