import { type Command, InvalidArgumentError } from "commander";
import type { CliApp } from "../../../core/module.ts";
import type { CalendarConfig } from "../config.ts";

export type App = CliApp<CalendarConfig>;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3660)
    throw new InvalidArgumentError("a whole number of days, 1 to 3660");
  return n;
}

function example(text: string): string {
  return `\nExample:\n  ${text}`;
}

/** `deskhub calendar ...`; each action loads its implementation only when it runs. */
export function registerCommands(cli: Command, app: App): void {
  cli
    .command("school")
    .description("show which school years deskhub has data for, and one year's terms, lov and days off")
    .option("--school <id>", "a configured school id or a municipality (uppsala, knivsta)")
    .option("--year <year>", "the school year, e.g. 2025/26 (default: the current one)")
    .option("--date <date>", "what kind of day a date is (school day, lov, holiday, weekend)")
    .option("--json", "machine-readable output")
    .addHelpText("after", example("deskhub calendar school --school uppsala --year 2025/26"))
    .action(async (opts) => (await import("./school.ts")).schoolCommand(app, opts));

  cli
    .command("check")
    .description("validate a school-year file: dates, terms, lov, overlaps, weekdays, school-day count")
    .argument("[file]", "a school-year YAML file (default: every file deskhub knows)")
    .option("--school <id>", "check this municipality's file instead of a path")
    .option("--year <year>", "with --school: the school year, e.g. 2025/26")
    .option("--strict", "fewer school days or lovdagar than the law's minimum is an error, not a warning")
    .option("--json", "machine-readable output")
    .addHelpText("after", example("deskhub calendar check data/calendar/uppsala/2025-26.yaml"))
    .action(async (file, opts) => (await import("./check.ts")).checkCommand(app, file, opts));

  cli
    .command("build")
    .description("write a school calendar as an iCalendar (.ics) file")
    .requiredOption("--school <id>", "a configured school id or a municipality (uppsala)")
    .option(
      "--year <year...>",
      "school years to include, e.g. 2025/26 (default: the school's years, or all with data)",
    )
    .option("--out <file>", "write here instead of standard output")
    .option("--child <name>", 'name the events for one child: "Alva: Höstlov"')
    .option("--no-holidays", "leave public holidays out")
    .addHelpText("after", example("deskhub calendar build --school uppsala --year 2025/26 --out school.ics"))
    .action(async (opts) => (await import("./build.ts")).buildCommand(app, opts));

  cli
    .command("sync")
    .description("make the school calendars' events in Google Calendar match the data")
    .option("--school <id>", "only this configured school")
    .option("--dry-run", "show what would be inserted, updated and deleted; change nothing")
    .option("--json", "machine-readable output")
    .addHelpText("after", example("deskhub calendar sync --dry-run"))
    .action(async (opts) => (await import("./sync.ts")).syncCommand(app, opts));

  cli
    .command("login")
    .description("authorise deskhub for Google Calendar in the browser (OAuth for installed apps)")
    .option("--no-browser", "only print the address to open")
    .addHelpText("after", example("deskhub calendar login"))
    .action(async (opts) => (await import("./login.ts")).loginCommand(app, opts));

  cli
    .command("upcoming")
    .description("list the coming events of every calendar, school and feeds")
    .option("--days <n>", "how many days ahead", positiveInt, 7)
    .option("--from <date>", "start at this date instead of now (YYYY-MM-DD)")
    .option("--calendar <id...>", "only these calendars")
    .option("--offline", "use the feeds' cached copies without asking their servers")
    .option("--json", "machine-readable output")
    .addHelpText("after", example("deskhub calendar upcoming --days 14"))
    .action(async (opts) => (await import("./upcoming.ts")).upcomingCommand(app, opts));

  cli
    .command("serve")
    .description("serve the configured school calendars over HTTP for subscription, without the daemon")
    .option("--host <host>", "address to listen on (default: calendar.serve.host)")
    .option("--port <port>", "port (default: calendar.serve.port, 7375)", (v) => Number(v))
    .addHelpText(
      "after",
      example(
        "deskhub calendar serve --port 7375   # then subscribe to http://127.0.0.1:7375/calendar/<id>.ics",
      ),
    )
    .action(async (opts) => (await import("./serve.ts")).serveCommand(app, opts));
}
