import { addDays, dateIn, formatDate, timeIn } from "../dates.ts";
import type { CalendarEvent } from "../event.ts";

export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - [...cell].length)))
      .join("  ")
      .trimEnd(),
  );
}

/** A row for `upcoming`: when, what, which calendar. */
export function eventRow(event: CalendarEvent, timeZone: string): string[] {
  if (event.allDay) {
    const last = addDays(event.endDate!, -1);
    const until = last !== event.startDate ? ` (until ${formatDate(last)})` : "";
    return [formatDate(event.startDate!), "all day", `${event.summary}${until}`, event.calendar];
  }
  const day = dateIn(event.start, timeZone);
  const endDay = dateIn(event.end, timeZone);
  const end =
    endDay === day ? timeIn(event.end, timeZone) : `${formatDate(endDay)} ${timeIn(event.end, timeZone)}`;
  const where = event.location ? ` @ ${event.location}` : "";
  return [
    formatDate(day),
    `${timeIn(event.start, timeZone)}–${end}`,
    `${event.summary}${where}`,
    event.calendar,
  ];
}

/** The JSON shape of an event in command output and HTTP answers. */
export function eventJson(event: CalendarEvent): Record<string, unknown> {
  return {
    calendar: event.calendar,
    calendar_name: event.calendarName,
    uid: event.uid,
    ...(event.recurrenceId ? { recurrence_id: event.recurrenceId } : {}),
    summary: event.summary,
    all_day: event.allDay,
    start: event.allDay ? event.startDate : new Date(event.start).toISOString(),
    end: event.allDay ? event.endDate : new Date(event.end).toISOString(),
    ...(event.location ? { location: event.location } : {}),
    ...(event.description ? { description: event.description } : {}),
    ...(event.kind ? { kind: event.kind } : {}),
  };
}
