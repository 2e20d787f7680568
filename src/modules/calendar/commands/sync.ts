import { Calendars } from "../calendars.ts";
import { runGoogleSync } from "../google/run.ts";
import type { App } from "./register.ts";

interface Options {
  school?: string;
  dryRun?: boolean;
  json?: boolean;
}

export async function syncCommand(app: App, opts: Options): Promise<void> {
  const { ctx, config } = await app.load();
  const calendars = await Calendars.open(ctx, config);
  const results = await runGoogleSync(calendars, {
    secrets: ctx.secrets,
    dryRun: opts.dryRun === true,
    ...(opts.school ? { school: opts.school } : {}),
  });
  if (opts.json) {
    app.output.json(results);
    return;
  }
  for (const r of results) {
    const verb = r.applied ? "synced" : "plan for";
    app.output.line(
      `${verb} ${r.source} -> ${r.calendarId}: ${r.insert.length} to insert, ${r.update.length} to update, ${r.delete.length} to delete, ${r.unchanged} unchanged`,
    );
    for (const e of r.insert) app.output.line(`  + ${e.start}  ${e.summary}`);
    for (const e of r.update) app.output.line(`  ~ ${e.start}  ${e.summary}  (${e.changes.join(", ")})`);
    for (const e of r.delete) app.output.line(`  - ${e.start}  ${e.summary}`);
    if (r.conflicts)
      app.output.line(`  (${r.conflicts} existing event id${r.conflicts > 1 ? "s" : ""} taken over)`);
  }
  if (opts.dryRun) app.output.line("dry run: nothing was changed; run without --dry-run to apply");
}
