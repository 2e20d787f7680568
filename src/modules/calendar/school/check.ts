import { basename, dirname } from "node:path";
import { formatDate, formatRange, isWeekend, type PlainDate } from "../dates.ts";
import { countDays, type DayCounts } from "./days.ts";
import { holidayMap } from "./holidays.ts";
import { type DayOff, isLovPeriod, type SchoolYear } from "./schema.ts";
import { parseYear, yearBounds } from "./years.ts";

/** Skolförordningen (2011:185) 3 kap. 2-3 §§. */
export const MINIMUM_SCHOOL_DAYS = 178;
export const MINIMUM_LOVDAGAR = 12;

export interface Problem {
  level: "error" | "warning";
  message: string;
}

export interface CheckReport {
  file: string;
  municipality: string;
  year: string;
  ok: boolean;
  problems: Problem[];
  counts: DayCounts & { minimumSchoolDays: number; minimumLovdagar: number };
}

function describe(d: DayOff): string {
  return `${d.name} (${formatRange(d.start, d.end)})`;
}

/**
 * Validates a school year: everything inside the year, terms in order, lov inside or
 * between terms, no overlaps, weekdays where a school would use one, and the school-day
 * count against the legal minimum. `strict` makes the minimums errors.
 */
export function checkSchoolYear(year: SchoolYear, options: { strict?: boolean } = {}): CheckReport {
  const problems: Problem[] = [];
  const error = (message: string) => problems.push({ level: "error", message });
  const warning = (message: string) => problems.push({ level: "warning", message });
  const label = parseYear(year.year);
  const { first, last } = yearBounds(label);
  const holidays = holidayMap(first, last);
  const inside = (date: PlainDate) => date >= first && date <= last;

  const fileName = basename(year.file);
  if (/^\d{4}-\d{2}\.yaml$/.test(fileName) && fileName !== `${label.slug}.yaml`) {
    error(`the file is named ${fileName} but says year ${year.year}; name it ${label.slug}.yaml`);
  }
  const dir = basename(dirname(year.file));
  if (/^[a-z0-9-]+$/.test(dir) && dir !== year.municipality && fileName.match(/^\d{4}-\d{2}\.yaml$/)) {
    error(`the file is in ${dir}/ but says municipality ${year.municipality}`);
  }

  // Terms.
  year.terms.forEach((term, i) => {
    if (term.end < term.start) error(`${term.term} ends (${term.end}) before it starts (${term.start})`);
    for (const [what, date] of [
      ["starts", term.start],
      ["ends", term.end],
    ] as const) {
      if (!inside(date)) error(`${term.term} ${what} on ${date}, outside the school year ${first} – ${last}`);
      else if (isWeekend(date)) error(`${term.term} ${what} on a ${formatDate(date)}, a weekend`);
      else if (holidays.has(date))
        error(`${term.term} ${what} on ${formatDate(date)}, ${holidays.get(date)!.name}`);
    }
    const previous = year.terms[i - 1];
    if (previous && term.start <= previous.end)
      error(`${term.term} starts before ${previous.term} has ended`);
  });
  const expected = [`HT${label.start}`, `VT${label.start + 1}`];
  const names = year.terms.map((t) => t.term);
  if (names.join() !== expected.join()) {
    warning(`expected the terms ${expected.join(" and ")}, found ${names.join(", ")}`);
  }
  const firstTerm = year.terms[0]!;
  const lastTerm = year.terms.at(-1)!;
  if (firstTerm.start.slice(5, 7) !== "08")
    warning(`the school year starts ${firstTerm.start}; the law says August`);
  if (lastTerm.end.slice(5, 7) !== "06") warning(`the school year ends ${lastTerm.end}; the law says June`);

  // Days off.
  const sorted = [...year.daysOff].sort((a, b) => a.start.localeCompare(b.start));
  for (const off of sorted) {
    if (off.end < off.start) {
      error(`${off.name} ends (${off.end}) before it starts (${off.start})`);
      continue;
    }
    if (!inside(off.start) || !inside(off.end)) {
      error(`${describe(off)} lies outside the school year ${first} – ${last}`);
      continue;
    }
    const term = year.terms.find((t) => off.start >= t.start && off.end <= t.end);
    const gapIndex = year.terms.findIndex((t, i) => {
      const next = year.terms[i + 1];
      return next !== undefined && off.start > t.end && off.end < next.start;
    });
    if (!term && gapIndex < 0) {
      const crossed = year.terms.find((t) => off.start <= t.end && off.end >= t.start);
      error(
        crossed
          ? `${describe(off)} crosses the ${off.start < crossed.start ? "start" : "end"} of ${crossed.term} (${formatRange(crossed.start, crossed.end)})`
          : `${describe(off)} lies before the first or after the last term; sommarlov is implicit`,
      );
    }
    if (!isLovPeriod(off.kind)) {
      if (!term) error(`${describe(off)} is a single day off but not inside a term`);
      for (const date of [off.start, off.end]) {
        if (isWeekend(date)) error(`${off.name} on ${formatDate(date)} falls on a weekend`);
      }
    } else if (term) {
      if (isWeekend(off.start))
        warning(`${describe(off)} starts on a ${formatDate(off.start)} inside ${term.term}`);
      if (isWeekend(off.end))
        warning(`${describe(off)} ends on a ${formatDate(off.end)} inside ${term.term}`);
    }
    if (off.start === off.end && holidays.has(off.start)) {
      warning(`${off.name} on ${formatDate(off.start)} is already ${holidays.get(off.start)!.name}`);
    }
  }
  // Against the one reaching furthest so far: a long lov overlapping two later days off
  // is reported for both, not only for its neighbour.
  let reach: DayOff | undefined;
  for (const off of sorted) {
    if (off.end < off.start) continue;
    if (reach && off.start <= reach.end) error(`${describe(reach)} and ${describe(off)} overlap`);
    if (!reach || off.end > reach.end) reach = off;
  }

  for (const note of year.notes) {
    if (!inside(note.date)) error(`the note ${note.name} on ${note.date} lies outside the school year`);
  }

  const counts = countDays(year);
  const level = options.strict ? "error" : "warning";
  if (counts.schoolDays < MINIMUM_SCHOOL_DAYS) {
    problems.push({
      level,
      message: `${counts.schoolDays} school days, fewer than the legal minimum of ${MINIMUM_SCHOOL_DAYS}: check the dates against the source`,
    });
  }
  if (counts.lovdagar < MINIMUM_LOVDAGAR) {
    problems.push({
      level,
      message: `${counts.lovdagar} lovdagar, fewer than the legal minimum of ${MINIMUM_LOVDAGAR}`,
    });
  }

  return {
    file: year.file,
    municipality: year.municipality,
    year: year.year,
    ok: !problems.some((p) => p.level === "error"),
    problems,
    counts: { ...counts, minimumSchoolDays: MINIMUM_SCHOOL_DAYS, minimumLovdagar: MINIMUM_LOVDAGAR },
  };
}
