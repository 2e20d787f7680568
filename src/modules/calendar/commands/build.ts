import { resolve } from "node:path";
import { writeFileAtomic } from "../../../core/atomic.ts";
import { dateIn } from "../dates.ts";
import { buildIcs } from "../ics/build.ts";
import { loadSchoolCalendar, resolveSchool, yearsLabel } from "../school/calendar.ts";
import { dataDirs, missingYearMessage } from "../school/repository.ts";
import { yearContaining } from "../school/years.ts";
import type { App } from "./register.ts";

interface Options {
  school: string;
  year?: string[];
  out?: string;
  child?: string;
  holidays: boolean;
}

export async function buildCommand(app: App, opts: Options): Promise<void> {
  const { ctx, config } = await app.load();
  const school = resolveSchool(config, opts.school);
  const dirs = dataDirs(ctx.paths, config.data_dir);
  const calendar = await loadSchoolCalendar(school, {
    dirs,
    timeZone: config.timezone,
    ...(opts.year ? { years: opts.year } : {}),
    ...(opts.child ? { child: opts.child } : {}),
    holidays: opts.holidays,
  });
  const name =
    opts.child && !school.name ? `${calendar.municipality.name} skolkalender (${opts.child})` : calendar.name;
  const ics = buildIcs(calendar.events, {
    name,
    description: `${calendar.municipality.name}, ${yearsLabel(calendar.years)}`,
    timeZone: config.timezone,
    stamp: calendar.stamp,
  });
  if (!opts.out || opts.out === "-") process.stdout.write(ics);
  else {
    const path = resolve(opts.out);
    await writeFileAtomic(path, ics);
    process.stderr.write(
      `wrote ${calendar.events.length} events (${yearsLabel(calendar.years)}) to ${path}\n`,
    );
  }
  // "Every year there is" must not hide that the year under way is not among them.
  const current = yearContaining(dateIn(Date.now(), config.timezone));
  const chosen = opts.year !== undefined || school.years.length > 0;
  if (!chosen && !calendar.years.some((y) => y.year === current.label)) {
    const { message, hint } = missingYearMessage(dirs, calendar.municipality, current);
    process.stderr.write(`deskhub: note: ${message}\n  ${hint}\n`);
  }
}
