import type { DatabaseSync } from "../../core/db.ts";
import { ExitCode, isUserError, UserError } from "../../core/errors.ts";
import type { ModuleContext } from "../../core/module.ts";
import type { CalendarConfig } from "./config.ts";
import type { PlainDate } from "./dates.ts";
import { openCalendarDb } from "./db.ts";
import type { CalendarEvent } from "./event.ts";
import { FeedSet, type FeedSetOptions } from "./feeds/feed-set.ts";
import type { ReminderCalendar } from "./reminders/engine.ts";
import { loadSchoolCalendar, type SchoolCalendar } from "./school/calendar.ts";
import { SchoolDays } from "./school/days.ts";
import { dataDirs, missingYearMessage } from "./school/repository.ts";
import { yearContaining } from "./school/years.ts";

export interface SchoolProblem {
  school: string;
  message: string;
  hint?: string;
}

/** Two calendars with one id would share entities, URLs and reminder keys. */
export function checkIds(config: CalendarConfig): void {
  const seen = new Set<string>();
  for (const id of [...config.schools.map((s) => s.id), ...config.feeds.map((f) => f.id)]) {
    if (seen.has(id)) {
      throw new UserError(`two calendars are called "${id}" in calendar.schools / calendar.feeds`, {
        code: ExitCode.config,
        hint: "give each school and feed its own id",
      });
    }
    seen.add(id);
  }
}

export async function loadSchools(
  config: CalendarConfig,
  dirs: readonly string[],
): Promise<{ schools: SchoolCalendar[]; problems: SchoolProblem[] }> {
  const schools: SchoolCalendar[] = [];
  const problems: SchoolProblem[] = [];
  for (const school of config.schools) {
    try {
      schools.push(await loadSchoolCalendar(school, { dirs, timeZone: config.timezone }));
    } catch (error) {
      if (!isUserError(error)) throw error;
      problems.push({
        school: school.id,
        message: error.message,
        ...(error.hint ? { hint: error.hint } : {}),
      });
    }
  }
  return { schools, problems };
}

/** Every configured calendar, school and feed, as one source of events. */
export class Calendars {
  readonly config: CalendarConfig;
  readonly db: DatabaseSync;
  readonly feeds: FeedSet;
  readonly dirs: string[];
  schools: SchoolCalendar[] = [];
  problems: SchoolProblem[] = [];
  #days = new Map<string, SchoolDays>();

  constructor(config: CalendarConfig, db: DatabaseSync, dirs: string[], feedOptions: FeedSetOptions = {}) {
    this.config = config;
    this.db = db;
    this.dirs = dirs;
    this.feeds = new FeedSet(db, config.timezone, feedOptions);
  }

  static async open(
    ctx: ModuleContext,
    config: CalendarConfig,
    feedOptions: FeedSetOptions = {},
  ): Promise<Calendars> {
    checkIds(config);
    const calendars = new Calendars(
      config,
      await openCalendarDb(ctx),
      dataDirs(ctx.paths, config.data_dir),
      feedOptions,
    );
    await calendars.reloadSchools();
    await calendars.feeds.load(config.feeds, ctx.secrets);
    return calendars;
  }

  async reloadSchools(): Promise<void> {
    const { schools, problems } = await loadSchools(this.config, this.dirs);
    this.schools = schools;
    this.problems = problems;
    this.#days.clear();
  }

  schoolDays(id: string): SchoolDays | undefined {
    let days = this.#days.get(id);
    if (!days) {
      const school = this.schools.find((s) => s.school.id === id);
      if (!school) return undefined;
      days = new SchoolDays(school.years);
      this.#days.set(id, days);
    }
    return days;
  }

  /** Why a school has no data for a date: a load problem, or a school year nobody shipped yet. */
  missingData(id: string, date: PlainDate): Omit<SchoolProblem, "school"> | undefined {
    const problem = this.problems.find((p) => p.school === id);
    if (problem) return { message: problem.message, ...(problem.hint ? { hint: problem.hint } : {}) };
    const school = this.schools.find((s) => s.school.id === id);
    if (!school || this.schoolDays(id)?.classify(date).status !== "no_data") return undefined;
    return missingYearMessage(this.dirs, school.municipality, yearContaining(date));
  }

  /** missingData for every school year that the dates from `first` to `last` touch. */
  missingDataBetween(id: string, first: PlainDate, last: PlainDate): Array<Omit<SchoolProblem, "school">> {
    const dates = [first];
    for (let year = yearContaining(first).start + 1; `${year}-07-01` <= last; year++)
      dates.push(`${year}-07-01`);
    const found = new Map<string, Omit<SchoolProblem, "school">>();
    for (const date of dates) {
      const missing = this.missingData(id, date);
      if (missing) found.set(missing.message, missing);
    }
    return [...found.values()];
  }

  /** Events of every calendar (or the named ones) overlapping [from, to), in start order. */
  events(from: number, to: number, only?: ReadonlySet<string>): CalendarEvent[] {
    const out: CalendarEvent[] = [];
    for (const school of this.schools) {
      if (only && !only.has(school.school.id)) continue;
      out.push(...school.events.filter((e) => e.start < to && e.end > from));
    }
    for (const id of this.feeds.ids()) {
      if (only && !only.has(id)) continue;
      out.push(...this.feeds.events(id, from, to));
    }
    return out.sort((a, b) => a.start - b.start || a.summary.localeCompare(b.summary));
  }

  reminderCalendars(): ReminderCalendar[] {
    const out: ReminderCalendar[] = this.schools.map((school) => ({
      id: school.school.id,
      rules: school.school.reminders,
      events: (from: number, to: number) => school.events.filter((e) => e.start < to && e.end > from),
    }));
    for (const id of this.feeds.ids()) {
      out.push({
        id,
        rules: this.feeds.config(id)?.reminders ?? [],
        events: (from: number, to: number) => this.feeds.events(id, from, to),
      });
    }
    return out;
  }
}
