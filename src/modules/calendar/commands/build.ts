import { resolve } from "node:path";
import { writeFileAtomic } from "../../../core/atomic.ts";
import { buildIcs } from "../ics/build.ts";
import { loadSchoolCalendar, resolveSchool, yearsLabel } from "../school/calendar.ts";
import { dataDirs } from "../school/repository.ts";
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
  const calendar = await loadSchoolCalendar(school, {
    dirs: dataDirs(ctx.paths, config.data_dir),
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
  if (!opts.out || opts.out === "-") {
    process.stdout.write(ics);
    return;
  }
  const path = resolve(opts.out);
  await writeFileAtomic(path, ics);
  process.stderr.write(`wrote ${calendar.events.length} events (${yearsLabel(calendar.years)}) to ${path}\n`);
}
