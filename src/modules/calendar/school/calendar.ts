import { ExitCode, UserError } from "../../../core/errors.ts";
import type { CalendarConfig, SchoolConfig } from "../config.ts";
import { dateIn } from "../dates.ts";
import type { CalendarEvent } from "../event.ts";
import { schoolEvents } from "./events.ts";
import {
  findMunicipality,
  loadSchoolYearFile,
  loadYear,
  type Municipality,
  missingYearMessage,
} from "./repository.ts";
import type { SchoolYear } from "./schema.ts";
import { parseYear, yearContaining } from "./years.ts";

export interface SchoolCalendar {
  school: SchoolConfig;
  municipality: Municipality;
  name: string;
  years: SchoolYear[];
  events: CalendarEvent[];
  /** The latest `source.checked` of its years, as the DTSTAMP of every event. */
  stamp: Date;
}

/**
 * The configured school with this id, or, for a municipality nobody configured, a
 * school calendar with the defaults (so `--school uppsala` works on a fresh install).
 */
export function resolveSchool(config: CalendarConfig, idOrMunicipality: string): SchoolConfig {
  const configured = config.schools.find((s) => s.id === idOrMunicipality);
  if (configured) return configured;
  const byMunicipality = config.schools.filter((s) => s.municipality === idOrMunicipality);
  if (byMunicipality.length === 1) return byMunicipality[0]!;
  if (!/^[a-z0-9-]+$/.test(idOrMunicipality)) {
    throw new UserError(`"${idOrMunicipality}" is neither a configured school nor a municipality`, {
      code: ExitCode.usage,
      hint: `configured schools: ${config.schools.map((s) => s.id).join(", ") || "none"}`,
    });
  }
  return {
    id: idOrMunicipality.replace(/-/g, "_"),
    municipality: idOrMunicipality,
    years: [],
    holidays: true,
    reminders: [],
  };
}

export async function loadSchoolCalendar(
  school: SchoolConfig,
  options: {
    dirs: readonly string[];
    timeZone: string;
    years?: readonly string[];
    child?: string;
    holidays?: boolean;
  },
): Promise<SchoolCalendar> {
  const municipality = await findMunicipality(options.dirs, school.municipality);
  const wanted = options.years?.length ? options.years : school.years;
  const years: SchoolYear[] = [];
  if (wanted.length > 0) {
    for (const year of wanted) years.push(await loadYear(options.dirs, school.municipality, year));
  } else {
    for (const entry of municipality.years) years.push(await loadSchoolYearFile(entry.file));
  }
  if (years.length === 0) {
    const { message, hint } = missingYearMessage(
      options.dirs,
      municipality,
      yearContaining(dateIn(Date.now(), options.timeZone)),
    );
    throw new UserError(message, { code: ExitCode.unavailable, hint });
  }
  const name = school.name ?? `${municipality.name} skolkalender${school.child ? ` (${school.child})` : ""}`;
  const child = options.child ?? school.child;
  const events = schoolEvents(years, {
    id: school.id,
    name,
    ...(child ? { child } : {}),
    holidays: options.holidays ?? school.holidays,
    timeZone: options.timeZone,
  });
  const checked =
    years
      .map((y) => y.source.checked)
      .sort()
      .at(-1) ?? "1970-01-01";
  return { school, municipality, name, years, events, stamp: new Date(`${checked}T00:00:00Z`) };
}

export function yearsLabel(years: readonly SchoolYear[]): string {
  return years.map((y) => parseYear(y.year).label).join(", ");
}
