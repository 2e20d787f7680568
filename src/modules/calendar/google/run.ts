import { ExitCode, UserError } from "../../../core/errors.ts";
import type { Secrets } from "../../../core/secrets/secrets.ts";
import type { Calendars } from "../calendars.ts";
import { googleAuth } from "./auth.ts";
import { type SyncResult, syncToGoogle } from "./sync.ts";

/** Syncs every school calendar that names a Google calendar (or only `school`). */
export async function runGoogleSync(
  calendars: Calendars,
  options: { secrets: Secrets; dryRun: boolean; school?: string },
): Promise<SyncResult[]> {
  const targets = calendars.config.schools.filter(
    (s) => s.google_calendar_id && (!options.school || s.id === options.school),
  );
  if (targets.length === 0) {
    throw new UserError(
      options.school
        ? `the school ${options.school} has no google_calendar_id`
        : "no school calendar has a google_calendar_id",
      {
        code: ExitCode.config,
        hint: "add google_calendar_id (Google Calendar: Settings, the calendar, Integrate calendar, Calendar ID) to a school in calendar.schools",
      },
    );
  }
  const problem = calendars.problems.find((p) => targets.some((t) => t.id === p.school));
  if (problem)
    throw new UserError(problem.message, {
      code: ExitCode.unavailable,
      ...(problem.hint ? { hint: problem.hint } : {}),
    });

  const { calendar } = await import("@googleapis/calendar");
  const { auth, account } = await googleAuth(calendars.config.google, options.secrets);
  const api = calendar({ version: "v3", auth, rootUrl: calendars.config.google.root_url });
  const results: SyncResult[] = [];
  for (const target of targets) {
    const school = calendars.schools.find((s) => s.school.id === target.id)!;
    results.push(
      await syncToGoogle({
        api,
        calendarId: target.google_calendar_id!,
        source: target.id,
        events: school.events,
        timeZone: calendars.config.timezone,
        dryRun: options.dryRun,
        account,
      }),
    );
  }
  return results;
}
