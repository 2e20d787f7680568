import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dateIn } from "../../../src/modules/calendar/dates.ts";
import { SHIPPED_DIR } from "../../../src/modules/calendar/school/repository.ts";
import { yearContaining } from "../../../src/modules/calendar/school/years.ts";
import { freePort, makeSandbox, runCli, type Sandbox, spawnCli, waitFor } from "../../helpers/sandbox.ts";
import { writeConfig } from "./setup.ts";

interface Parsed {
  uid: string;
  summary: string;
  start: string;
  end: string;
  /** Whether DTSTART is a DATE (all-day), not a DATE-TIME. */
  date: boolean;
}

function parseWithIcalJs(text: string): Parsed[] {
  const root = new ICAL.Component(ICAL.parse(text));
  return root.getAllSubcomponents("vevent").map((c) => {
    const e = new ICAL.Event(c);
    return {
      uid: e.uid,
      summary: e.summary,
      start: e.startDate.toString(),
      end: e.endDate.toString(),
      date: e.startDate.isDate,
    };
  });
}

/** Debian's python3-icalendar: an independent parser, written in another language. */
function parseWithPython(file: string): Parsed[] {
  const script = `
import datetime, json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
out = []
for e in cal.walk("VEVENT"):
    s, t = e.decoded("DTSTART"), e.decoded("DTEND")
    out.append({"uid": str(e["UID"]), "summary": str(e["SUMMARY"]), "start": s.isoformat(), "end": t.isoformat(),
                "date": isinstance(s, datetime.date) and not isinstance(s, datetime.datetime)})
print(json.dumps({"name": str(cal.get("X-WR-CALNAME")), "tz": str(cal.get("X-WR-TIMEZONE")), "events": out}))
`;
  const result = JSON.parse(execFileSync("/usr/bin/python3", ["-c", script, file], { encoding: "utf8" })) as {
    name: string;
    tz: string;
    events: Parsed[];
  };
  expect(result.tz).toBe("Europe/Stockholm");
  return result.events;
}

describe("ICS out", () => {
  let sandbox: Sandbox;
  const out = (name: string) => join(sandbox.root, name);
  const build = async (name: string, ...args: string[]) => {
    const result = await runCli(
      ["calendar", "build", "--school", "uppsala", "--out", out(name), ...args],
      sandbox.env,
    );
    expect(result.stderr).toMatch(/^wrote \d+ events/);
    expect(result.code).toBe(0);
    return readFileSync(out(name), "utf8");
  };

  beforeAll(() => {
    sandbox = makeSandbox();
  });
  afterAll(() => sandbox?.cleanup());

  it("writes all-day events with exclusive DTEND that two independent parsers read the same", async () => {
    const text = await build("a.ics", "--year", "2025/26");
    const ours = parseWithIcalJs(text);
    const python = parseWithPython(out("a.ics"));
    expect(python).toEqual(ours);
    expect(ours).toHaveLength(23);
    expect(ours.every((e) => e.date)).toBe(true);
    const find = (summary: string) => ours.find((e) => e.summary === summary)!;
    // Monday to Friday: DTEND is the Saturday, as RFC 5545 says for DATE values.
    expect(find("Höstlov")).toMatchObject({ start: "2025-10-27", end: "2025-11-01" });
    expect(find("Jullov")).toMatchObject({ start: "2025-12-20", end: "2026-01-08" });
    expect(find("Studenten")).toMatchObject({ start: "2026-06-05", end: "2026-06-06" });
    expect(find("Skolstart höstterminen")).toMatchObject({ start: "2025-08-19", end: "2025-08-20" });
    expect(find("Sista skoldagen vårterminen")).toMatchObject({ start: "2026-06-11", end: "2026-06-12" });
    expect(find("Kristi himmelsfärdsdag")).toMatchObject({ start: "2026-05-14", end: "2026-05-15" });
    // Weekend holidays (alla helgons dag, nationaldagen) change nothing for school and are left out.
    expect(ours.some((e) => e.summary === "Alla helgons dag" || e.summary === "Nationaldagen")).toBe(false);
    expect(text).toContain("X-WR-TIMEZONE:Europe/Stockholm");
    expect(text).toMatch(/^DTSTAMP:\d{8}T\d{6}Z\r?$/m);
  });

  it("keeps all-day dates right next to the DST changes, whatever the machine's time zone", async () => {
    // Höstlov 2024 starts the day after clocks went back (27 Oct); påsklov 2026 the day after they went forward.
    const stockholm = await build("tz-se.ics");
    for (const tz of ["UTC", "America/Los_Angeles", "Pacific/Kiritimati"]) {
      const result = await runCli(["calendar", "build", "--school", "uppsala"], { ...sandbox.env, TZ: tz });
      expect(result.stdout).toBe(stockholm);
    }
    const events = parseWithIcalJs(stockholm);
    expect(events.find((e) => e.summary === "Höstlov" && e.start.startsWith("2024"))).toMatchObject({
      start: "2024-10-28",
      end: "2024-11-02",
    });
    expect(events.find((e) => e.summary === "Påsklov" && e.start.startsWith("2026"))).toMatchObject({
      start: "2026-03-30",
      end: "2026-04-03",
    });
    expect(events.find((e) => e.summary === "Jullov" && e.start.startsWith("2024"))).toMatchObject({
      start: "2024-12-21",
      end: "2025-01-08",
    });
  });

  it("gives every event the same UID in every build, and the same bytes", async () => {
    const first = await build("b1.ics");
    const second = await build("b2.ics");
    expect(second).toBe(first);
    const uids = parseWithIcalJs(first).map((e) => e.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids).toContain("uppsala-2025-26-hostlov@deskhub");
    expect(uids).toContain("uppsala-2024-25-lovdag-2025-05-30@deskhub");
    // A single year's build uses the UIDs the full calendar uses: no duplicates for a subscriber who switches.
    const oneYear = parseWithIcalJs(await build("b3.ics", "--year", "2025/26")).map((e) => e.uid);
    expect(oneYear.every((uid) => uids.includes(uid))).toBe(true);
  });

  it("names events per child, with UIDs of their own", async () => {
    const plain = parseWithIcalJs(await build("c0.ics", "--year", "2025/26"));
    const alva = parseWithIcalJs(await build("c1.ics", "--year", "2025/26", "--child", "Alva"));
    expect(alva.map((e) => e.summary)).toContain("Alva: Höstlov");
    expect(alva.every((e) => e.summary.startsWith("Alva: "))).toBe(true);
    const plainUids = new Set(plain.map((e) => e.uid));
    expect(alva.some((e) => plainUids.has(e.uid))).toBe(false);
    expect(alva.find((e) => e.summary === "Alva: Höstlov")!.uid).toBe("uppsala-alva-2025-26-hostlov@deskhub");
    const noHolidays = parseWithIcalJs(await build("c2.ics", "--year", "2025/26", "--no-holidays"));
    expect(noHolidays).toHaveLength(13);
  });

  it("notes, when it writes every year there is, that the year under way is not among them", async () => {
    const year = yearContaining(dateIn(Date.now(), "Europe/Stockholm"));
    const shipped = existsSync(join(SHIPPED_DIR, "uppsala", `${year.slug}.yaml`));
    const all = await runCli(
      ["calendar", "build", "--school", "uppsala", "--out", out("n.ics")],
      sandbox.env,
    );
    expect(all.code).toBe(0);
    const note = `deskhub: note: no school-year data for Uppsala kommun ${year.label}`;
    if (shipped) expect(all.stderr).not.toContain(note);
    else {
      // On 22 Nov 2026, when this was written, 2026/27.
      expect(all.stderr).toContain(`${note} (deskhub has 2024/25, 2025/26)`);
      expect(all.stderr).toContain("Uppsala kommun publishes its dates at https://uppsala.se/");
    }
    const chosen = await runCli(
      ["calendar", "build", "--school", "uppsala", "--year", "2025/26", "--out", out("n2.ics")],
      sandbox.env,
    );
    expect(chosen.stderr).not.toContain("note:");
  });

  it("refuses a year without data, writing nothing", async () => {
    const result = await runCli(
      ["calendar", "build", "--school", "knivsta", "--year", "2025/26", "--out", out("k.ics")],
      sandbox.env,
    );
    expect(result.code).toBe(69);
    expect(result.stderr).toContain("no school-year data for Knivsta kommun 2025/26");
    expect(() => readFileSync(out("k.ics"))).toThrow();
  });
});

describe("serving calendars for subscription", () => {
  let sandbox: Sandbox;
  let child: ReturnType<typeof spawnCli>;
  let base: string;

  beforeAll(async () => {
    sandbox = makeSandbox();
    const port = await freePort();
    writeConfig(sandbox, {
      schools: [
        { id: "alva", municipality: "uppsala", child: "Alva", years: ["2025/26"] },
        { id: "ebbe", municipality: "knivsta" },
      ],
      serve: { port },
    });
    child = spawnCli(["calendar", "serve"], sandbox.env);
    base = `http://127.0.0.1:${port}/calendar`;
    await waitFor(() => child.output().includes("serving on"), { what: "calendar serve" });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await child.exited;
    }
    sandbox?.cleanup();
  });

  it("serves each school calendar with ETag and answers 304 when it has not changed", async () => {
    const first = await fetch(`${base}/alva.ics`);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const body = await first.text();
    expect(parseWithIcalJs(body).find((e) => e.summary === "Alva: Sportlov")).toMatchObject({
      start: "2026-02-16",
      end: "2026-02-21",
    });
    const again = await fetch(`${base}/alva.ics`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  it("lists the calendars and says which has no data", async () => {
    const list = (await (await fetch(`${base}/`)).json()) as { calendars: Array<Record<string, string>> };
    expect(list.calendars[0]).toMatchObject({ id: "alva", url: "/calendar/alva.ics", years: "2025/26" });
    expect(list.calendars[1]?.problem).toMatch(/no school-year data for Knivsta kommun/);
    const missing = await fetch(`${base}/ebbe.ics`);
    expect(missing.status).toBe(503);
    const unknown = await fetch(`${base}/nobody.ics`);
    expect(unknown.status).toBe(404);
  });
});
