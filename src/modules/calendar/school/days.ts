import { eachDate, isWeekend, type PlainDate } from "../dates.ts";
import { type Holiday, holidayMap } from "./holidays.ts";
import type { DayOffKind, SchoolYear } from "./schema.ts";
import { parseYear, yearBounds } from "./years.ts";

export const DAY_STATUSES = ["school_day", "lov", "studiedag", "holiday", "weekend", "no_data"] as const;
export type DayStatus = (typeof DAY_STATUSES)[number];

export interface DayInfo {
  date: PlainDate;
  status: DayStatus;
  /** Whether pupils go to school that day. */
  school: boolean;
  /** The holiday's or lov's name, when there is one. */
  name?: string;
  kind?: DayOffKind | "sommarlov";
  /** The term the date is in, if any. */
  term?: string;
  /** The school year it belongs to, "2025/26"; absent when no data covers the date. */
  year?: string;
}

/** Classifies days against one or more loaded school years. */
export class SchoolDays {
  #years: SchoolYear[];
  #holidays = new Map<PlainDate, Holiday>();

  constructor(years: readonly SchoolYear[]) {
    this.#years = [...years].sort((a, b) => a.year.localeCompare(b.year));
    for (const year of this.#years) {
      const { first, last } = yearBounds(parseYear(year.year));
      for (const [date, holiday] of holidayMap(first, last)) this.#holidays.set(date, holiday);
    }
  }

  get years(): readonly SchoolYear[] {
    return this.#years;
  }

  holiday(date: PlainDate): Holiday | undefined {
    return this.#holidays.get(date);
  }

  yearOf(date: PlainDate): SchoolYear | undefined {
    return this.#years.find((y) => {
      const { first, last } = yearBounds(parseYear(y.year));
      return date >= first && date <= last;
    });
  }

  classify(date: PlainDate): DayInfo {
    const year = this.yearOf(date);
    if (!year) return { date, status: "no_data", school: false };
    const base = { date, year: year.year };
    const term = year.terms.find((t) => date >= t.start && date <= t.end)?.term;
    const withTerm = term ? { ...base, term } : base;
    const holiday = this.#holidays.get(date);
    if (holiday) return { ...withTerm, status: "holiday", school: false, name: holiday.name };
    const off = year.daysOff.find((d) => date >= d.start && date <= d.end);
    if (off) {
      return {
        ...withTerm,
        status: off.kind === "studiedag" ? "studiedag" : "lov",
        school: false,
        name: off.name,
        kind: off.kind,
      };
    }
    if (isWeekend(date)) return { ...withTerm, status: "weekend", school: false };
    if (term) return { ...withTerm, status: "school_day", school: true };
    const first = year.terms[0]!.start;
    const last = year.terms.at(-1)!.end;
    if (date < first || date > last)
      return { ...base, status: "lov", school: false, name: "Sommarlov", kind: "sommarlov" };
    return { ...base, status: "lov", school: false, name: "Lov", kind: "lov" };
  }
}

export interface DayCounts {
  /** Weekdays in the terms that are neither holidays nor days off. */
  schoolDays: number;
  /** Weekdays from the first to the last school day that are not school days, holidays or studiedagar. */
  lovdagar: number;
  studiedagar: number;
}

export function countDays(year: SchoolYear): DayCounts {
  const days = new SchoolDays([year]);
  const counts: DayCounts = { schoolDays: 0, lovdagar: 0, studiedagar: 0 };
  const first = year.terms[0]!.start;
  const last = year.terms.at(-1)!.end;
  for (const date of eachDate(first, last)) {
    const info = days.classify(date);
    if (info.status === "school_day") counts.schoolDays++;
    else if (info.status === "lov" && !isWeekend(date)) counts.lovdagar++;
    else if (info.status === "studiedag" && !isWeekend(date)) counts.studiedagar++;
  }
  return counts;
}
