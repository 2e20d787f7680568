import { ExitCode, UserError } from "../../../core/errors.ts";
import { Calendars } from "../calendars.ts";
import { dateIn, isPlainDate, startOfDate } from "../dates.ts";
import { eventJson, eventRow, table } from "./format.ts";
import type { App } from "./register.ts";

interface Options {
  days: number;
  from?: string;
  calendar?: string[];
  offline?: boolean;
  json?: boolean;
}

export async function upcomingCommand(app: App, opts: Options): Promise<void> {
  const { ctx, config } = await app.load();
  if (opts.from && !isPlainDate(opts.from)) {
    throw new UserError(`--from ${opts.from} is not a date`, {
      code: ExitCode.usage,
      hint: "write it YYYY-MM-DD",
    });
  }
  if (config.schools.length === 0 && config.feeds.length === 0) {
    throw new UserError("no calendars are configured", {
      code: ExitCode.config,
      hint: "add a school (calendar.schools: [{id: alva, municipality: uppsala}]) or an iCal feed (calendar.feeds: [{id: family, url_secret: family_calendar_url}]) to config.yaml",
    });
  }
  const calendars = await Calendars.open(ctx, config, { prefetch: false });
  const known = [...config.schools.map((s) => s.id), ...config.feeds.map((f) => f.id)];
  for (const id of opts.calendar ?? []) {
    if (!known.includes(id)) {
      throw new UserError(`no calendar "${id}"`, {
        code: ExitCode.usage,
        hint: `configured: ${known.join(", ") || "none"}`,
      });
    }
  }
  const now = Date.now();
  if (!opts.offline) {
    const stale = calendars.feeds.ids().filter((id) => calendars.feeds.due(id, now));
    await Promise.all(stale.map((id) => calendars.feeds.refresh(id)));
  }
  const from = opts.from ? startOfDate(opts.from, config.timezone) : now;
  const to = from + opts.days * 86_400_000;
  const first = dateIn(from, config.timezone);
  const last = dateIn(to - 1, config.timezone);
  // A school year without data shows nothing, which must not read as "no school events".
  const schools = config.schools
    .filter((s) => !opts.calendar?.length || opts.calendar.includes(s.id))
    .flatMap((s) => calendars.missingDataBetween(s.id, first, last).map((m) => ({ id: s.id, ...m })));
  const feeds = calendars.feeds
    .ids()
    .map((id) => calendars.feeds.summary(id))
    .filter((s) => s.status === "error")
    .map((s) => `feed ${s.id}: ${s.error}${s.hasCopy ? " (showing its last good copy)" : ""}`);
  for (const problem of schools) {
    process.stderr.write(`deskhub: ${problem.id}: ${problem.message}\n`);
    if (problem.hint) process.stderr.write(`  ${problem.hint}\n`);
  }
  for (const problem of feeds) process.stderr.write(`deskhub: ${problem}\n`);
  const problems = [...schools.map((p) => `${p.id}: ${p.message}`), ...feeds];

  const only = opts.calendar?.length ? new Set(opts.calendar) : undefined;
  const events = calendars.events(from, to, only);
  if (opts.json) {
    app.output.json({
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      events: events.map(eventJson),
      problems,
    });
    return;
  }
  if (events.length === 0) {
    app.output.line(`nothing in the next ${opts.days} day${opts.days > 1 ? "s" : ""}`);
    return;
  }
  for (const line of table(events.map((e) => eventRow(e, config.timezone)))) app.output.line(line);
}
