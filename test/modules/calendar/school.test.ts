import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSchoolYear } from "../../../src/modules/calendar/school/check.ts";
import { countDays, SchoolDays } from "../../../src/modules/calendar/school/days.ts";
import {
  loadSchoolYearFile,
  loadYear,
  SHIPPED_DIR,
} from "../../../src/modules/calendar/school/repository.ts";
import { makeSandbox, runCli, type Sandbox } from "../../helpers/sandbox.ts";
import { writeConfig } from "./setup.ts";

const VALID = `municipality: testkommun
municipality_name: Testkommun
year: 2025/26
source:
  url: https://example.org/lasarstider
  checked: 2025-06-01
terms:
  - term: HT2025
    start: 2025-08-19
    end: 2025-12-19
  - term: VT2026
    start: 2026-01-08
    end: 2026-06-11
days_off:
  - kind: hostlov
    start: 2025-10-27
    end: 2025-10-31
  - kind: jullov
    start: 2025-12-20
    end: 2026-01-07
  - kind: studiedag
    date: 2025-11-14
`;

describe("school years as data", () => {
  it("ships Uppsala 2024/25 and 2025/26 with exactly the published dates", async () => {
    const y24 = await loadYear([SHIPPED_DIR], "uppsala", "2024/25");
    expect(y24.terms).toEqual([
      { term: "HT2024", start: "2024-08-20", end: "2024-12-20" },
      { term: "VT2025", start: "2025-01-08", end: "2025-06-12" },
    ]);
    expect(y24.daysOff.map((d) => [d.name, d.start, d.end])).toEqual([
      ["Lovdag", "2024-09-27", "2024-09-27"],
      ["Höstlov", "2024-10-28", "2024-11-01"],
      ["Jullov", "2024-12-21", "2025-01-07"],
      ["Sportlov", "2025-02-17", "2025-02-21"],
      ["Lovdag", "2025-03-24", "2025-03-24"],
      ["Påsklov", "2025-04-14", "2025-04-17"],
      ["Lovdag", "2025-04-30", "2025-04-30"],
      ["Lovdag", "2025-05-30", "2025-05-30"],
    ]);
    const y25 = await loadYear([SHIPPED_DIR], "uppsala", "2025-26");
    expect(y25.terms).toEqual([
      { term: "HT2025", start: "2025-08-19", end: "2025-12-19" },
      { term: "VT2026", start: "2026-01-08", end: "2026-06-11" },
    ]);
    expect(y25.daysOff.map((d) => [d.name, d.start, d.end])).toEqual([
      ["Lovdag", "2025-09-26", "2025-09-26"],
      ["Höstlov", "2025-10-27", "2025-10-31"],
      ["Jullov", "2025-12-20", "2026-01-07"],
      ["Sportlov", "2026-02-16", "2026-02-20"],
      ["Lovdag", "2026-03-09", "2026-03-09"],
      ["Påsklov", "2026-03-30", "2026-04-02"],
      ["Lovdag", "2026-04-30", "2026-04-30"],
      ["Lovdag", "2026-05-15", "2026-05-15"],
    ]);
    expect(y25.notes).toEqual([{ date: "2026-06-05", name: "Studenten", appliesTo: ["gymnasieskola"] }]);
    for (const year of [y24, y25]) {
      expect(year.source.url).toMatch(/^https:\/\/uppsala\.se\//);
      expect(year.source.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it("passes its own check with exactly the legal minimum of 178 school days", async () => {
    for (const year of ["2024/25", "2025/26"]) {
      const report = checkSchoolYear(await loadYear([SHIPPED_DIR], "uppsala", year));
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.counts.schoolDays).toBe(178);
    }
    const y25 = await loadYear([SHIPPED_DIR], "uppsala", "2025/26");
    // Jullov (22, 23, 29, 30 Dec, 2, 5, 7 Jan), höstlov 5, sportlov 5, påsklov 4, four lovdagar.
    expect(countDays(y25).lovdagar).toBe(25);
  });

  it("classifies days: school day, lov, holiday, weekend, and no data outside the years it has", async () => {
    const days = new SchoolDays([await loadYear([SHIPPED_DIR], "uppsala", "2025/26")]);
    const status = (date: string) => days.classify(date);
    expect(status("2025-10-24")).toMatchObject({ status: "school_day", school: true, term: "HT2025" });
    expect(status("2025-10-28")).toMatchObject({ status: "lov", name: "Höstlov", school: false });
    expect(status("2025-11-08")).toMatchObject({ status: "weekend", term: "HT2025" });
    expect(status("2025-11-01")).toMatchObject({ status: "holiday", name: "Alla helgons dag" });
    // A Saturday inside jullov is lov: the data says so.
    expect(status("2025-12-20")).toMatchObject({ status: "lov", name: "Jullov" });
    expect(status("2025-12-24")).toMatchObject({ status: "holiday", name: "Julafton" });
    expect(status("2026-05-14")).toMatchObject({ status: "holiday", name: "Kristi himmelsfärdsdag" });
    expect(status("2026-05-15")).toMatchObject({ status: "lov", name: "Lovdag" });
    expect(status("2026-06-19")).toMatchObject({ status: "holiday", name: "Midsommarafton" });
    expect(status("2026-06-22")).toMatchObject({ status: "lov", kind: "sommarlov" });
    expect(status("2026-08-20")).toEqual({ date: "2026-08-20", status: "no_data", school: false });
  });
});

describe("deskhub calendar check", () => {
  let sandbox: Sandbox;
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, text);
    return path;
  };

  beforeAll(() => {
    sandbox = makeSandbox();
    dir = join(sandbox.root, "files");
  });
  afterAll(() => sandbox?.cleanup());

  it("accepts a valid file and reports its school days and lovdagar against the legal minimums", async () => {
    const path = file("testkommun/2025-26.yaml", VALID);
    const result = await runCli(["calendar", "check", path], sandbox.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(": ok (testkommun 2025/26)");
    // Uppsala's 178 plus its sportlov (5), påsklov (4) and lovdagar (4) that this file lacks, less one studiedag.
    expect(result.stdout).toContain("190 school days (minimum 178), 12 lovdagar (minimum 12), 1 studiedagar");
    expect(result.stdout).not.toMatch(/warning|error/);
  });

  it("finds lov crossing a term, overlaps, weekend days off, dates outside the year and a misnamed file", async () => {
    const broken = VALID.replace(
      "    start: 2025-10-27\n    end: 2025-10-31",
      "    start: 2025-10-27\n    end: 2025-11-14",
    )
      .replace("  - kind: jullov\n    start: 2025-12-20", "  - kind: jullov\n    start: 2025-12-15")
      .concat("  - kind: lovdag\n    date: 2025-09-27\n  - kind: lovdag\n    date: 2026-07-03\n");
    const path = file("testkommun/2024-25.yaml", broken);
    const result = await runCli(["calendar", "check", path, "--json"], sandbox.env);
    expect(result.code).toBe(65);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      problems: Array<{ level: string; message: string }>;
    };
    const errors = report.problems.filter((p) => p.level === "error").map((p) => p.message);
    expect(report.ok).toBe(false);
    expect(errors).toContain("the file is named 2024-25.yaml but says year 2025/26; name it 2025-26.yaml");
    expect(
      errors.some((e) => e.startsWith("Höstlov (27 Oct – 14 Nov 2025) and Studiedag (14 Nov 2025) overlap")),
    ).toBe(true);
    expect(errors).toContain(
      "Jullov (15 Dec 2025 – 7 Jan 2026) crosses the end of HT2025 (19 Aug – 19 Dec 2025)",
    );
    expect(errors).toContain("Lovdag on Sat 27 Sep 2025 falls on a weekend");
    expect(errors).toContain("Lovdag (3 Jul 2026) lies outside the school year 2025-07-01 – 2026-06-30");
  });

  it("reports every day off a long lov overlaps, not only the next one", async () => {
    const path = file(
      "testkommun/2025-26.yaml",
      VALID.replace(
        "    start: 2025-10-27\n    end: 2025-10-31",
        "    start: 2025-10-27\n    end: 2025-11-21",
      )
        .replace("  - kind: studiedag\n    date: 2025-11-14\n", "")
        .concat("  - kind: lovdag\n    date: 2025-11-07\n  - kind: studiedag\n    date: 2025-11-14\n"),
    );
    const result = await runCli(["calendar", "check", path, "--json"], sandbox.env);
    expect(result.code).toBe(65);
    const errors = (
      JSON.parse(result.stdout) as { problems: Array<{ level: string; message: string }> }
    ).problems
      .filter((p) => p.level === "error")
      .map((p) => p.message);
    expect(errors).toEqual([
      "Höstlov (27 Oct – 21 Nov 2025) and Lovdag (7 Nov 2025) overlap",
      "Höstlov (27 Oct – 21 Nov 2025) and Studiedag (14 Nov 2025) overlap",
    ]);
  });

  it("points at the file, line and key of a malformed entry", async () => {
    const path = file("bad/2025-26.yaml", VALID.replace("    start: 2025-08-19", "    start: 2025-08-32"));
    const result = await runCli(["calendar", "check", path], sandbox.env);
    expect(result.code).toBe(65);
    expect(result.stderr).toContain(`${path}:9: terms[0].start: a date written YYYY-MM-DD`);
  });

  it("makes the legal minimum an error with --strict", async () => {
    const short = VALID.replace("    end: 2026-06-11", "    end: 2026-03-13");
    const path = file("testkommun/2025-26.yaml", short);
    const lenient = await runCli(["calendar", "check", path], sandbox.env);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/warning: 1\d\d school days, fewer than the legal minimum of 178/);
    const strict = await runCli(["calendar", "check", path, "--strict"], sandbox.env);
    expect(strict.code).toBe(65);
    expect(strict.stdout).toMatch(/error: 1\d\d school days, fewer than the legal minimum of 178/);
  });
});

describe("deskhub calendar school", () => {
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = makeSandbox();
    writeConfig(sandbox, {
      schools: [
        { id: "alva", municipality: "uppsala", child: "Alva" },
        { id: "ebbe", municipality: "knivsta" },
      ],
    });
  });
  afterAll(() => sandbox?.cleanup());

  it("says plainly that Knivsta has no data, and where the municipality publishes it", async () => {
    const result = await runCli(["calendar", "school", "--year", "2025/26"], sandbox.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("knivsta: Knivsta kommun: no school years");
    expect(result.stdout).toContain("no school-year data for Knivsta kommun 2025/26");
    expect(result.stdout).toContain("Knivsta kommun publishes its dates at https://knivsta.se/");
    expect(result.stdout).toContain("uppsala: Uppsala kommun: school years 2024/25, 2025/26");
    expect(result.stdout).not.toContain("no school-year data for Uppsala kommun 2025/26");

    const knivsta = await runCli(
      ["calendar", "school", "--school", "ebbe", "--year", "2025/26"],
      sandbox.env,
    );
    expect(knivsta.code).toBe(69);
    expect(knivsta.stderr).toContain("no school-year data for Knivsta kommun 2025/26");
    expect(knivsta.stderr).toContain("knivsta/template.yaml");
    expect(knivsta.stdout).toBe("");
  });

  it("says on a day of 2026/27 that Uppsala has no data for that year, and where to find it", async () => {
    // 22 Nov 2026: the school year under way is 2026/27, which deskhub does not ship.
    const overview = await runCli(["calendar", "school", "--date", "2026-11-22"], sandbox.env);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain("uppsala: Uppsala kommun: school years 2024/25, 2025/26");
    expect(overview.stdout).toContain(
      "no school-year data for Uppsala kommun 2026/27 (deskhub has 2024/25, 2025/26)",
    );
    expect(overview.stdout).toContain(
      'Uppsala kommun publishes its dates at https://uppsala.se/skola-och-forskola/gymnasieskola/lasarstider-och-lov/lasarstider-for-grundskola-och-gymnasium (the page "Läsårstider för grundskola och gymnasium"',
    );
    expect(overview.stdout).toContain(join(sandbox.dataDir, "calendar/uppsala/2026-27.yaml"));

    const day = await runCli(["calendar", "school", "--school", "alva", "--date", "2026-11-22"], sandbox.env);
    expect(day.code).toBe(69);
    expect(day.stdout).toBe("");
    expect(day.stderr).toContain("no school-year data for Uppsala kommun 2026/27");
    expect(day.stderr).toContain("Uppsala kommun publishes its dates at https://uppsala.se/");

    const week = await runCli(["calendar", "upcoming", "--from", "2026-11-22", "--days", "7"], sandbox.env);
    expect(week.code).toBe(0);
    expect(week.stdout.trim()).toBe("nothing in the next 7 days");
    expect(week.stderr).toContain(
      "deskhub: alva: no school-year data for Uppsala kommun 2026/27 (deskhub has 2024/25, 2025/26)\n  Uppsala kommun publishes its dates at https://uppsala.se/",
    );
    expect(week.stderr).toContain("deskhub: ebbe: no school-year data for Knivsta kommun");
  });

  it("names the missing Uppsala year too, with what deskhub does have", async () => {
    const result = await runCli(
      ["calendar", "school", "--school", "uppsala", "--year", "2027/28"],
      sandbox.env,
    );
    expect(result.code).toBe(69);
    expect(result.stderr).toContain(
      "no school-year data for Uppsala kommun 2027/28 (deskhub has 2024/25, 2025/26)",
    );
    expect(result.stderr).toContain("https://uppsala.se/");
  });

  it("shows a year and what kind of day a date is", async () => {
    const year = await runCli(["calendar", "school", "--school", "alva", "--year", "2025/26"], sandbox.env);
    expect(year.code).toBe(0);
    expect(year.stdout).toContain("Uppsala kommun, läsåret 2025/26");
    expect(year.stdout).toMatch(/Påsklov\s+30 Mar – 2 Apr 2026/);
    expect(year.stdout).toContain("178 school days (legal minimum 178)");
    // The file says how its dates were compared with the source.
    expect(year.stdout).toContain("as quoted in deskhub's specification, not from the live page");
    const day = await runCli(
      ["calendar", "school", "--school", "alva", "--date", "2026-02-17", "--json"],
      sandbox.env,
    );
    expect(JSON.parse(day.stdout)).toMatchObject({ status: "lov", name: "Sportlov", year: "2025/26" });
  });

  it("finds a year a family added in its own data directory", async () => {
    const path = join(sandbox.dataDir, "calendar/knivsta/2025-26.yaml");
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(
      path,
      VALID.replace("municipality: testkommun", "municipality: knivsta").replace(
        "Testkommun",
        "Knivsta kommun",
      ),
    );
    const loaded = await loadSchoolYearFile(path);
    expect(loaded.municipality).toBe("knivsta");
    const result = await runCli(
      ["calendar", "school", "--school", "ebbe", "--year", "2025/26", "--json"],
      sandbox.env,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ municipality: "knivsta", file: path });
  });
});
