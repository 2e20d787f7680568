import type ICAL from "ical.js";
import { addDays, type PlainDate } from "../dates.ts";

const DAY_MS = 86_400_000;

function dateOf(time: ICAL.Time): PlainDate {
  return `${String(time.year).padStart(4, "0")}-${String(time.month).padStart(2, "0")}-${String(time.day).padStart(2, "0")}`;
}

function daysBetween(from: PlainDate, to: PlainDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

function monthsBetween(from: PlainDate, to: PlainDate): number {
  const [fy, fm] = from.split("-").map(Number) as [number, number];
  const [ty, tm] = to.split("-").map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm);
}

function moved(start: ICAL.Time, date: PlainDate): ICAL.Time {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  const time = start.clone();
  time.year = year;
  time.month = month;
  time.day = day;
  return time;
}

/**
 * A later DTSTART for iterating a series that began long before `before`, so a feed
 * whose weekly events started years ago is not walked occurrence by occurrence from then
 * on at every expansion (ical.js can only iterate from the start).
 *
 * The start moves by whole periods of the rule, so every occurrence from the new start on
 * is one the real series has: INTERVAL and WKST count from the start, which moves by whole
 * intervals (daily ones by whole weeks too, to keep BYDAY's weekdays); the wall-clock time
 * stays. Monthly and yearly series move only when their day exists in every month. The
 * new start itself may not match the rule, but it lies at least one period before
 * `before`, where the caller skips everything. Rules with COUNT (which counts from the
 * real start), several RRULEs, or periods under a day keep their own start.
 */
export function laterSeriesStart(
  component: ICAL.Component,
  start: ICAL.Time,
  before: PlainDate,
): ICAL.Time | undefined {
  const rules = component.getAllProperties("rrule");
  if (rules.length !== 1) return undefined;
  const rule = rules[0]!.getFirstValue() as ICAL.Recur;
  if (rule.count) return undefined;
  const interval = Math.max(1, rule.interval || 1);
  const from = dateOf(start);
  if (rule.freq === "DAILY" || rule.freq === "WEEKLY") {
    const days = rule.freq === "WEEKLY" ? 7 * interval : interval % 7 === 0 ? interval : 7 * interval;
    const periods = Math.floor(daysBetween(from, before) / days) - 1;
    return periods >= 1 ? moved(start, addDays(from, periods * days)) : undefined;
  }
  if ((rule.freq === "MONTHLY" || rule.freq === "YEARLY") && start.day <= 28) {
    const months = rule.freq === "MONTHLY" ? interval : 12 * interval;
    const periods = Math.floor(monthsBetween(from, before) / months) - 1;
    if (periods < 1) return undefined;
    const total = start.year * 12 + (start.month - 1) + periods * months;
    const date = `${String(Math.floor(total / 12)).padStart(4, "0")}-${String((total % 12) + 1).padStart(2, "0")}-${String(start.day).padStart(2, "0")}`;
    return moved(start, date);
  }
  return undefined;
}
