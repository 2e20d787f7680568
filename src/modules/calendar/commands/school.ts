import { ExitCode, UserError } from "../../../core/errors.ts";
import { dateIn, formatDate, formatRange, isPlainDate } from "../dates.ts";
import { resolveSchool } from "../school/calendar.ts";
import { MINIMUM_SCHOOL_DAYS } from "../school/check.ts";
import { countDays, SchoolDays } from "../school/days.ts";
import {
  dataDirs,
  listMunicipalities,
  loadYear,
  type Municipality,
  missingYearMessage,
} from "../school/repository.ts";
import { parseYear, yearContaining } from "../school/years.ts";
import { table } from "./format.ts";
import type { App } from "./register.ts";

interface Options {
  school?: string;
  year?: string;
  date?: string;
  json?: boolean;
}

function overview(
  municipalities: Municipality[],
  current: ReturnType<typeof yearContaining>,
  dirs: string[],
) {
  return municipalities.map((m) => {
    const hasCurrent = m.years.some((y) => y.year.slug === current.slug);
    const missing = hasCurrent ? undefined : missingYearMessage(dirs, m, current);
    return {
      municipality: m.id,
      name: m.name,
      years: m.years.map((y) => ({ year: y.year.label, file: y.file })),
      current_year: current.label,
      has_current_year: hasCurrent,
      publishes_at: m.publishesAt ?? null,
      ...(missing ? { missing: missing.message, how: missing.hint } : {}),
    };
  });
}

export async function schoolCommand(app: App, opts: Options): Promise<void> {
  const { ctx, config } = await app.load();
  const dirs = dataDirs(ctx.paths, config.data_dir);
  const today = dateIn(Date.now(), config.timezone);

  if (opts.date && !isPlainDate(opts.date)) {
    throw new UserError(`--date ${opts.date} is not a date`, {
      code: ExitCode.usage,
      hint: "write it YYYY-MM-DD",
    });
  }

  if (!opts.school) {
    const current = opts.year ? parseYear(opts.year) : yearContaining(opts.date ?? today);
    const list = overview(await listMunicipalities(dirs), current, dirs);
    if (opts.json) {
      app.output.json({
        schools: config.schools.map((s) => ({ id: s.id, municipality: s.municipality })),
        municipalities: list,
      });
      return;
    }
    for (const m of list) {
      const years = m.years.map((y) => y.year).join(", ");
      app.output.line(`${m.municipality}: ${m.name}: ${years ? `school years ${years}` : "no school years"}`);
      if (m.missing) {
        app.output.line(`  ${m.missing}`);
        app.output.line(`  ${m.how}`);
      }
    }
    if (config.schools.length) {
      app.output.line("");
      app.output.line(
        `configured: ${config.schools.map((s) => `${s.id} (${s.municipality}${s.child ? `, ${s.child}` : ""})`).join(", ")}`,
      );
    }
    return;
  }

  const school = resolveSchool(config, opts.school);
  const year = opts.year ?? yearContaining(opts.date ?? today).label;
  const data = await loadYear(dirs, school.municipality, year);
  const days = new SchoolDays([data]);
  const counts = countDays(data);

  if (opts.date) {
    const info = days.classify(opts.date);
    if (opts.json) app.output.json(info);
    else
      app.output.line(
        `${formatDate(opts.date)}: ${info.status.replace("_", " ")}${info.name ? ` (${info.name})` : ""}${info.term ? `, ${info.term}` : ""}`,
      );
    return;
  }
  if (opts.json) {
    app.output.json({
      ...data,
      counts: { ...counts, minimum_school_days: MINIMUM_SCHOOL_DAYS },
      today: days.classify(today),
    });
    return;
  }
  app.output.line(`${data.municipalityName}, läsåret ${data.year}`);
  app.output.line(`source: ${data.source.url} (checked ${data.source.checked})`);
  if (data.source.note) app.output.line(`  ${data.source.note}`);
  const rows: string[][] = [];
  for (const term of data.terms)
    rows.push([
      term.term,
      formatRange(term.start, term.end),
      `${formatDate(term.start)} – ${formatDate(term.end)}`,
    ]);
  for (const off of [...data.daysOff].sort((a, b) => a.start.localeCompare(b.start))) {
    rows.push([off.name, formatRange(off.start, off.end), off.note ?? ""]);
  }
  for (const note of data.notes)
    rows.push([note.name, formatRange(note.date, note.date), note.appliesTo.join(", ")]);
  for (const line of table(rows)) app.output.line(`  ${line}`);
  app.output.line(
    `${counts.schoolDays} school days (legal minimum ${MINIMUM_SCHOOL_DAYS}), ${counts.lovdagar} lovdagar`,
  );
}
