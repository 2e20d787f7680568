/**
 * Building a school year's ICS: reading the YAML data, turning it into events (public
 * holidays from date-holidays included) and writing iCalendar with ical-generator,
 * against the floor of reading and parsing the same data file, in the same run. The
 * last rows are the whole CLI (`deskhub calendar build`) against a bare `node -e 0`.
 *
 *   node bench/calendar-build.ts [iterations] [cli-runs]    (default 200, 7)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { buildIcs } from "../src/modules/calendar/ics/build.ts";
import { schoolEvents } from "../src/modules/calendar/school/events.ts";
import { loadSchoolYearFile } from "../src/modules/calendar/school/repository.ts";
import { median, timeCommand } from "./lib.ts";

const ITERATIONS = Number(process.argv[2] ?? 200);
const CLI_RUNS = Number(process.argv[3] ?? 7);
const repo = fileURLToPath(new URL("..", import.meta.url));
const file = join(repo, "data/calendar/uppsala/2025-26.yaml");
const options = {
  id: "uppsala",
  name: "Uppsala kommun skolkalender",
  holidays: true,
  timeZone: "Europe/Stockholm",
};

async function measure(op: () => unknown, iterations = ITERATIONS): Promise<number> {
  for (let i = 0; i < 5; i++) await op();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    await op();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

const year = await loadSchoolYearFile(file);
const events = schoolEvents([year], options);
const stamp = new Date(`${year.source.checked}T00:00:00Z`);
const ics = buildIcs(events, { name: options.name, timeZone: options.timeZone, stamp });

const baseline = await measure(async () => parse(await readFile(file, "utf8")));
const load = await measure(() => loadSchoolYearFile(file));
const toEvents = await measure(() => schoolEvents([year], options));
const write = await measure(() =>
  buildIcs(events, { name: options.name, timeZone: options.timeZone, stamp }),
);
const whole = await measure(async () => {
  const y = await loadSchoolYearFile(file);
  return buildIcs(schoolEvents([y], options), { name: options.name, timeZone: options.timeZone, stamp });
});

const home = mkdtempSync(join(tmpdir(), "deskhub-bench-calendar-"));
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, "c"),
  XDG_DATA_HOME: join(home, "d"),
  XDG_RUNTIME_DIR: join(home, "r"),
  XDG_STATE_HOME: join(home, "s"),
};
const out = join(home, "school.ics");
const cli: number[] = [];
const node: number[] = [];
try {
  for (let i = 0; i < CLI_RUNS; i++) {
    node.push(timeCommand(process.execPath, ["-e", "0"], env));
    cli.push(
      timeCommand(
        process.execPath,
        [
          join(repo, "src/main.ts"),
          "calendar",
          "build",
          "--school",
          "uppsala",
          "--year",
          "2025/26",
          "--out",
          out,
        ],
        env,
      ),
    );
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}

console.log(
  `Uppsala 2025/26: ${events.length} events, ${ics.length} bytes of ICS; median of ${ITERATIONS} (CLI: ${CLI_RUNS} runs)`,
);
console.log("\n### calendar ICS build\n");
console.log("| step | median ms | × baseline |");
console.log("| --- | --- | --- |");
const rows: Array<[string, number, number]> = [
  ["read + YAML-parse the data file (baseline)", baseline, baseline],
  ["load the school year (YAML + zod)", load, baseline],
  ["data to events (holidays included)", toEvents, baseline],
  ["events to ICS (ical-generator)", write, baseline],
  ["whole build in process", whole, baseline],
  ["node -e 0 (CLI baseline)", median(node), median(node)],
  ["deskhub calendar build (CLI)", median(cli), median(node)],
];
for (const [step, ms, base] of rows)
  console.log(`| ${step} | ${ms.toFixed(3)} | ${(ms / base).toFixed(2)} |`);
