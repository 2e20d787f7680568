/**
 * Calendar dates without a time zone ("2025-10-27"), and the few conversions between
 * them and instants that a calendar needs. Plain dates are ISO strings: they sort,
 * compare and serialise as they are, and cannot drift across a DST change.
 */
export type PlainDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isPlainDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function toUtcMidnight(date: PlainDate): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

function fromUtc(ms: number): PlainDate {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: PlainDate, days: number): PlainDate {
  return fromUtc(toUtcMidnight(date) + days * 86_400_000);
}

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export function isoWeekday(date: PlainDate): number {
  const day = new Date(toUtcMidnight(date)).getUTCDay();
  return day === 0 ? 7 : day;
}

export function isWeekend(date: PlainDate): boolean {
  return isoWeekday(date) >= 6;
}

/** Every date from `start` to `end`, both included. */
export function* eachDate(start: PlainDate, end: PlainDate): Generator<PlainDate> {
  for (let date = start; date <= end; date = addDays(date, 1)) yield date;
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Mon 27 Oct 2025" */
export function formatDate(date: PlainDate, options: { year?: boolean } = {}): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return `${WEEKDAYS[isoWeekday(date) - 1]} ${d} ${MONTHS[m - 1]}${options.year === false ? "" : ` ${y}`}`;
}

/** "27–31 Oct 2025", "20 Dec 2025 – 7 Jan 2026", "26 Sep 2025" for an inclusive range. */
export function formatRange(start: PlainDate, end: PlainDate): string {
  const [y1, m1, d1] = start.split("-").map(Number) as [number, number, number];
  const [y2, m2, d2] = end.split("-").map(Number) as [number, number, number];
  if (start === end) return `${d1} ${MONTHS[m1 - 1]} ${y1}`;
  if (y1 === y2 && m1 === m2) return `${d1}–${d2} ${MONTHS[m2 - 1]} ${y2}`;
  if (y1 === y2) return `${d1} ${MONTHS[m1 - 1]} – ${d2} ${MONTHS[m2 - 1]} ${y2}`;
  return `${d1} ${MONTHS[m1 - 1]} ${y1} – ${d2} ${MONTHS[m2 - 1]} ${y2}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** A zone's UTC offset at an instant, in whole seconds as milliseconds, asked of Intl. */
function exactOffset(epochMs: number, timeZone: string): number {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(epochMs))) parts[part.type] = part.value;
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

const DAY_MS = 86_400_000;
/** Per zone: UTC day number -> the offset, for days without a change of offset. */
const steadyDays = new Map<string, Map<number, number>>();
const MAX_CACHED_DAYS = 100_000;

/**
 * The offset through a cache of whole UTC days: Intl is slow (microseconds a call), and
 * expanding a feed asks for thousands of instants. A day whose first and last second
 * have the same offset has it throughout (no zone changes its offset twice in a day);
 * the few days with a change are asked of Intl each time.
 */
function offsetMs(epochMs: number, timeZone: string): number {
  let days = steadyDays.get(timeZone);
  if (!days) {
    days = new Map();
    steadyDays.set(timeZone, days);
  }
  const day = Math.floor(epochMs / DAY_MS);
  const cached = days.get(day);
  if (cached !== undefined) return cached;
  const first = exactOffset(day * DAY_MS, timeZone);
  if (first !== exactOffset((day + 1) * DAY_MS - 1000, timeZone)) return exactOffset(epochMs, timeZone);
  if (days.size >= MAX_CACHED_DAYS) days.clear();
  days.set(day, first);
  return first;
}

/** The wall-clock fields of an instant in a time zone. */
export function wallClock(
  epochMs: number,
  timeZone: string,
): { date: PlainDate; hour: number; minute: number; second: number } {
  const local = new Date(epochMs + offsetMs(epochMs, timeZone));
  return {
    date: fromUtc(local.getTime()),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

/** The date it is at `epochMs` in `timeZone`. */
export function dateIn(epochMs: number, timeZone: string): PlainDate {
  return wallClock(epochMs, timeZone).date;
}

/** "HH:MM" of an instant in a time zone. */
export function timeIn(epochMs: number, timeZone: string): string {
  const { hour, minute } = wallClock(epochMs, timeZone);
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

/**
 * The instant a wall-clock time on a date has in a time zone. A time the clocks skip
 * (02:30 on the spring change) moves forward by the gap; a time that happens twice
 * (02:30 on the autumn change) is the first of the two, as RFC 5545 says.
 */
export function zonedTime(date: PlainDate, time: string, timeZone: string): number {
  const [h, m] = time.split(":").map(Number) as [number, number];
  const local = toUtcMidnight(date) + (h * 60 + m) * 60_000;
  const first = local - offsetMs(local, timeZone);
  const second = local - offsetMs(first, timeZone);
  if (first === second) {
    // Ambiguous times: an hour earlier may also map to the same wall clock; take the earlier.
    const earlier = local - offsetMs(first - 3_600_000, timeZone);
    return earlier < first && local - offsetMs(earlier, timeZone) === earlier ? earlier : first;
  }
  const wall = wallClock(second, timeZone);
  const back = toUtcMidnight(wall.date) + (wall.hour * 60 + wall.minute) * 60_000;
  return back === local ? second : Math.max(first, second);
}

/** Local midnight at the start of a date. */
export function startOfDate(date: PlainDate, timeZone: string): number {
  return zonedTime(date, "00:00", timeZone);
}

export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
