import { addDays, dateIn, formatDate, formatRange, timeIn } from "../dates.ts";
import type { CalendarEvent } from "../event.ts";
import { eventDate } from "./schedule.ts";

const NO_SCHOOL = new Set(["lov", "lovdag", "studiedag", "holiday"]);

/** What a reminder says: "Tomorrow: Höstlov" / "No school 27–31 Oct 2025 · Uppsala kommun skolkalender". */
export function reminderText(
  event: CalendarEvent,
  now: number,
  timeZone: string,
): { summary: string; body: string } {
  const day = eventDate(event, timeZone);
  const today = dateIn(now, timeZone);
  const when =
    day === today
      ? "Today"
      : day === addDays(today, 1)
        ? "Tomorrow"
        : formatDate(day, { year: day.slice(0, 4) !== today.slice(0, 4) });
  const at = event.allDay ? "" : ` at ${timeIn(event.start, timeZone)}`;
  const lines: string[] = [];
  if (event.allDay) {
    const last = addDays(event.endDate!, -1);
    const range = formatRange(event.startDate!, last);
    if (event.kind && NO_SCHOOL.has(event.kind)) lines.push(`No school: ${range}`);
    else if (last !== event.startDate) lines.push(range);
  } else {
    lines.push(`${formatDate(day)}, ${timeIn(event.start, timeZone)}–${timeIn(event.end, timeZone)}`);
  }
  if (event.location) lines.push(event.location);
  lines.push(event.calendarName);
  return { summary: `${when}${at}: ${event.summary}`, body: lines.join("\n") };
}
