import { resolve } from "node:path";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { resolveSchool } from "../school/calendar.ts";
import { type CheckReport, checkSchoolYear } from "../school/check.ts";
import { dataDirs, listMunicipalities, loadSchoolYearFile, loadYear } from "../school/repository.ts";
import type { SchoolYear } from "../school/schema.ts";
import type { App } from "./register.ts";

interface Options {
  school?: string;
  year?: string;
  strict?: boolean;
  json?: boolean;
}

export async function checkCommand(app: App, file: string | undefined, opts: Options): Promise<void> {
  const years: SchoolYear[] = [];
  if (file) {
    if (opts.school) throw new UserError("give a file or --school, not both", { code: ExitCode.usage });
    years.push(await loadSchoolYearFile(resolve(file)));
  } else {
    const { ctx, config } = await app.load();
    const dirs = dataDirs(ctx.paths, config.data_dir);
    if (opts.school) {
      if (!opts.year)
        throw new UserError("--school needs --year", {
          code: ExitCode.usage,
          hint: "e.g. --school uppsala --year 2025/26",
        });
      years.push(await loadYear(dirs, resolveSchool(config, opts.school).municipality, opts.year));
    } else {
      for (const m of await listMunicipalities(dirs))
        for (const y of m.years) years.push(await loadSchoolYearFile(y.file));
    }
  }
  const reports: CheckReport[] = years.map((y) => checkSchoolYear(y, { strict: opts.strict === true }));
  if (opts.json) app.output.json(reports.length === 1 ? reports[0] : reports);
  else {
    for (const report of reports) {
      const { counts } = report;
      app.output.line(
        `${report.file}: ${report.ok ? "ok" : "INVALID"} (${report.municipality} ${report.year})`,
      );
      for (const p of report.problems) app.output.line(`  ${p.level}: ${p.message}`);
      app.output.line(
        `  ${counts.schoolDays} school days (minimum ${counts.minimumSchoolDays}), ${counts.lovdagar} lovdagar (minimum ${counts.minimumLovdagar}), ${counts.studiedagar} studiedagar`,
      );
    }
  }
  const bad = reports.filter((r) => !r.ok);
  if (bad.length) {
    throw new UserError(
      `${bad.length} of ${reports.length} school-year file${reports.length > 1 ? "s" : ""} failed the check`,
      {
        code: ExitCode.dataErr,
        hint: "fix the errors listed above; compare every date with the source named in the file",
      },
    );
  }
}
