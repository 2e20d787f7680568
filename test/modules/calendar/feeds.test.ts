import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/core/db.ts";
import { resolvePaths } from "../../../src/core/paths.ts";
import { Secrets } from "../../../src/core/secrets/secrets.ts";
import { MIGRATIONS } from "../../../src/modules/calendar/db.ts";
import { expandFeed, parseFeed } from "../../../src/modules/calendar/feeds/expand.ts";
import { FeedSet } from "../../../src/modules/calendar/feeds/feed-set.ts";
import { refreshFeed } from "../../../src/modules/calendar/feeds/fetch.ts";
import { type FeedServer, startFeedServer } from "../../fixtures/calendar/feed-server.ts";
import { makeSandbox, repoRoot, runCli, type Sandbox } from "../../helpers/sandbox.ts";
import { writeConfig } from "./setup.ts";

const FAMILY = join(repoRoot, "test/fixtures/calendar/feeds/family.ics");
const OUTLOOK = join(repoRoot, "test/fixtures/calendar/feeds/no-vtimezone.ics");
const meta = { calendar: "family", calendarName: "Familjen" };
const at = (iso: string) => Date.parse(iso);

describe("expanding feeds with ical.js", () => {
  const feed = parseFeed(readFileSync(FAMILY, "utf8"), "UTC");
  const events = expandFeed(feed, { from: at("2025-09-01T00:00:00Z"), to: at("2026-04-01T00:00:00Z") }, meta);
  const named = (summary: string) => events.filter((e) => e.summary.startsWith(summary));

  it("takes the feed's own time zone for all-day events and floating times", () => {
    expect(feed.timeZone).toBe("Europe/Stockholm");
    expect(feed.name).toBe("Familjen");
  });

  it("expands a weekly RRULE in local time across the DST change, leaving out the EXDATE", () => {
    const swim = named("Simskola").filter((e) => !e.recurrenceId?.startsWith("2025-11-11"));
    expect(swim.map((e) => new Date(e.start).toISOString())).toEqual([
      "2025-09-02T15:30:00.000Z",
      "2025-09-09T15:30:00.000Z",
      "2025-09-16T15:30:00.000Z",
      "2025-09-23T15:30:00.000Z",
      "2025-09-30T15:30:00.000Z",
      "2025-10-07T15:30:00.000Z",
      "2025-10-14T15:30:00.000Z",
      "2025-10-21T15:30:00.000Z",
      // 28 Oct (höstlov) is an EXDATE; from November 17:30 is CET, an hour later in UTC.
      "2025-11-04T16:30:00.000Z",
      "2025-11-18T16:30:00.000Z",
      "2025-11-25T16:30:00.000Z",
      "2025-12-02T16:30:00.000Z",
      "2025-12-09T16:30:00.000Z",
      "2025-12-16T16:30:00.000Z",
    ]);
    expect(swim.every((e) => e.end - e.start === 45 * 60_000)).toBe(true);
    expect(swim[0]!.location).toBe("Fyrishov, Idrottsgatan 2, 753 33 Uppsala, Sverige");
  });

  it("puts an overridden instance (RECURRENCE-ID) in place of the one it replaces", () => {
    const moved = events.find((e) => e.recurrenceId === "2025-11-11T16:30:00.000Z")!;
    expect(moved.summary).toBe("Simskola (flyttad till torsdag)");
    expect(new Date(moved.start).toISOString()).toBe("2025-11-13T17:00:00.000Z");
    expect(new Date(moved.end).toISOString()).toBe("2025-11-13T17:45:00.000Z");
    expect(events.some((e) => new Date(e.start).toISOString() === "2025-11-11T16:30:00.000Z")).toBe(false);
  });

  it("drops a cancelled instance and honours COUNT with INTERVAL", () => {
    expect(named("Fotboll").map((e) => new Date(e.start).toISOString())).toEqual([
      "2025-09-06T08:00:00.000Z",
      "2025-09-20T08:00:00.000Z",
      "2025-10-18T08:00:00.000Z",
      "2025-11-01T09:00:00.000Z",
      "2025-11-15T09:00:00.000Z",
    ]);
  });

  it("converts other zones with the feed's VTIMEZONE and keeps all-day events as dates", () => {
    const ny = named("Möte med New York")[0]!;
    expect(new Date(ny.start).toISOString()).toBe("2025-11-03T14:00:00.000Z");
    expect(ny.description).toContain(
      "Kvartalsgenomgång med kontoret i New York.\nLänk: https://meet.google.com/abc-defg-hij",
    );
    expect(named("Tandläkare").map((e) => new Date(e.start).toISOString())).toEqual([
      "2025-11-20T12:00:00.000Z",
    ]);
    expect(named("Mormors födelsedag")).toMatchObject([
      { allDay: true, startDate: "2026-03-14", endDate: "2026-03-15" },
    ]);
    expect(named("Jul hos farmor")).toMatchObject([
      { allDay: true, startDate: "2025-12-24", endDate: "2025-12-27" },
    ]);
    expect(events).toHaveLength(24);
  });

  it("reads a TZID without VTIMEZONE as an IANA zone and floating times in the calendar's zone", () => {
    const outlook = parseFeed(readFileSync(OUTLOOK, "utf8"), "Europe/Stockholm");
    const list = expandFeed(
      outlook,
      { from: at("2025-06-01T00:00:00Z"), to: at("2025-12-01T00:00:00Z") },
      meta,
    );
    expect(list.map((e) => [e.summary, new Date(e.start).toISOString()])).toEqual([
      ["Morgonmöte", "2025-07-01T07:00:00.000Z"],
      ["Morgonmöte", "2025-07-02T07:00:00.000Z"],
      ["Morgonmöte", "2025-07-03T07:00:00.000Z"],
      ["Planering (Berlin)", "2025-11-03T08:00:00.000Z"],
    ]);
  });

  it("expands series that began years before the range, in the zone their TZID names", () => {
    // No VTIMEZONE for Europe/Helsinki (nor X-WR-TIMEZONE): the zone is known only by its
    // IANA name, and the calendar's own zone (UTC here) must not stand in for it.
    const text = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//deskhub tests//EN",
      "BEGIN:VEVENT",
      "UID:kor-2016@example.org",
      "DTSTAMP:20251001T000000Z",
      "DTSTART;TZID=Europe/Helsinki:20160104T190000",
      "DTEND;TZID=Europe/Helsinki:20160104T203000",
      "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
      "EXDATE;TZID=Europe/Helsinki:20251110T190000",
      "SUMMARY:Kör",
      "END:VEVENT",
      "BEGIN:VEVENT",
      "UID:kor-2016@example.org",
      "DTSTAMP:20251001T000000Z",
      "RECURRENCE-ID;TZID=Europe/Helsinki:20251027T190000",
      "DTSTART;TZID=Europe/Helsinki:20251028T193000",
      "DTEND;TZID=Europe/Helsinki:20251028T210000",
      "SUMMARY:Kör (flyttad)",
      "END:VEVENT",
      "BEGIN:VEVENT",
      "UID:medicin-2019@example.org",
      "DTSTAMP:20251001T000000Z",
      "DTSTART:20190310T061500Z",
      "DTEND:20190310T063000Z",
      "RRULE:FREQ=DAILY;INTERVAL=3",
      "SUMMARY:Medicin",
      "END:VEVENT",
      "BEGIN:VEVENT",
      "UID:styrelse-2012@example.org",
      "DTSTAMP:20251001T000000Z",
      "DTSTART;TZID=Europe/Stockholm:20120110T180000",
      "DTEND;TZID=Europe/Stockholm:20120110T200000",
      "RRULE:FREQ=MONTHLY;BYDAY=2TU",
      "SUMMARY:Styrelsemöte",
      "END:VEVENT",
      "END:VCALENDAR",
      "",
    ].join("\r\n");
    const list = expandFeed(
      parseFeed(text, "UTC"),
      { from: at("2025-10-01T00:00:00Z"), to: at("2025-12-01T00:00:00Z") },
      meta,
    );
    const starts = (prefix: string) =>
      list.filter((e) => e.summary.startsWith(prefix)).map((e) => new Date(e.start).toISOString());
    // Every other Monday since 4 Jan 2016 at 19:00 Helsinki time (python-dateutil agrees):
    // 13 Oct in summer time, 27 Oct moved to Tuesday, 10 Nov left out, 24 Nov in winter time.
    expect(starts("Kör")).toEqual([
      "2025-10-13T16:00:00.000Z",
      "2025-10-28T17:30:00.000Z",
      "2025-11-24T17:00:00.000Z",
    ]);
    expect(list.find((e) => e.summary === "Kör (flyttad)")!.recurrenceId).toBe("2025-10-27T17:00:00.000Z");
    // Every third day since 10 March 2019.
    expect(starts("Medicin").filter((s) => s >= "2025-10-20" && s < "2025-11-02")).toEqual([
      "2025-10-22T06:15:00.000Z",
      "2025-10-25T06:15:00.000Z",
      "2025-10-28T06:15:00.000Z",
      "2025-10-31T06:15:00.000Z",
    ]);
    expect(starts("Medicin")).toHaveLength(21);
    // The second Tuesday of each month since 2012.
    expect(starts("Styrelsemöte")).toEqual(["2025-10-14T16:00:00.000Z", "2025-11-11T17:00:00.000Z"]);
  });

  it("refuses what is not iCalendar", () => {
    expect(() => parseFeed("<!doctype html><html></html>", "UTC")).toThrow();
  });
});

describe("fetching feeds", () => {
  let server: FeedServer;
  let sandbox: Sandbox;

  beforeAll(async () => {
    server = await startFeedServer(FAMILY);
    sandbox = makeSandbox();
  });
  afterAll(async () => {
    await server?.stop();
    sandbox?.cleanup();
  });

  it("asks conditionally, and keeps the last good copy when the feed breaks", async () => {
    const db = await openDatabase(join(sandbox.dataDir, "feeds.db"), MIGRATIONS);
    const feed = { id: "family", url: server.url, timeZone: "Europe/Stockholm" };
    try {
      const first = await refreshFeed(db, feed);
      expect(first).toMatchObject({ status: "ok", outcome: "downloaded" });
      const second = await refreshFeed(db, feed);
      expect(second).toMatchObject({ status: "ok", outcome: "not_modified" });
      expect(server.requests.at(-1)).toMatchObject({ status: 304 });
      expect(server.requests.at(-1)!.headers["if-none-match"]).toMatch(/^"[0-9a-f]{40}"$/);

      const changed = readFileSync(FAMILY, "utf8").replace("SUMMARY:Tandläkare", "SUMMARY:Tandläkare (Alva)");
      server.setBody(changed);
      expect(await refreshFeed(db, feed)).toMatchObject({ outcome: "downloaded", body: changed });

      server.setMode("error");
      const broken = await refreshFeed(db, feed);
      expect(broken).toMatchObject({ status: "error", outcome: "failed", body: changed });
      expect(broken.error).toBe("HTTP 503 Service Unavailable");

      server.setMode("html");
      const html = await refreshFeed(db, feed);
      expect(html.status).toBe("error");
      expect(html.error).toMatch(/^the answer \(text\/html; charset=UTF-8\) is not an iCalendar file/);
      expect(html.body).toBe(changed);

      // After a restart the copy is still there, and still expands.
      const paths = resolvePaths(sandbox.env);
      const set = new FeedSet(db, "Europe/Stockholm");
      await set.load(
        [{ id: "family", url: server.url, refresh: 900, reminders: [] }],
        new Secrets({ env: {}, paths }),
      );
      expect(set.summary("family")).toMatchObject({ status: "error", hasCopy: true });
      const dentist = set.events("family", at("2025-11-20T00:00:00Z"), at("2025-11-21T00:00:00Z"));
      expect(dentist.map((e) => e.summary)).toEqual(["Tandläkare (Alva)"]);
    } finally {
      server.setMode("ok");
      db.close();
    }
  });

  it("lists upcoming events from school data and feeds, and reports a broken feed without its secret address", async () => {
    writeConfig(sandbox, {
      schools: [{ id: "alva", municipality: "uppsala", years: ["2025/26"] }],
      feeds: [{ id: "family", url_secret: "family_calendar_url", refresh: "1h" }],
    });
    const env = { ...sandbox.env, FAMILY_CALENDAR_URL: server.url };
    const result = await runCli(["calendar", "upcoming", "--from", "2025-10-27", "--days", "9"], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^Mon 27 Oct 2025\s+all day\s+Höstlov \(until Fri 31 Oct 2025\)\s+alva$/);
    expect(result.stdout).toMatch(/Mon 3 Nov 2025\s+15:00–15:30\s+Möte med New York\s+family/);
    expect(result.stdout).toMatch(
      /Tue 4 Nov 2025\s+17:30–18:15\s+Simskola @ Fyrishov, Idrottsgatan 2, 753 33 Uppsala, Sverige\s+family/,
    );
    expect(result.stdout).toMatch(/Sat 1 Nov 2025\s+10:00–11:30\s+Fotboll P15 @ Gränby sportfält\s+family/);
    // 28 October is an EXDATE of the swimming lessons.
    expect(result.stdout).not.toMatch(/Tue 28 Oct 2025.*Simskola/);

    await server.stop();
    // refresh 0: the feed is due at once, so the dead server is asked.
    writeConfig(sandbox, { feeds: [{ id: "family", url_secret: "family_calendar_url", refresh: 0 }] });
    const offline = await runCli(
      ["calendar", "upcoming", "--from", "2025-11-20", "--days", "1", "--json"],
      env,
    );
    const json = JSON.parse(offline.stdout) as {
      events: Array<{ summary: string; start: string }>;
      problems: string[];
    };
    expect(json.events.map((e) => e.summary)).toEqual(["Tandläkare (Alva)"]);
    expect(offline.code).toBe(0);
    expect(offline.stderr).toMatch(
      /^deskhub: feed family: fetch failed \(ECONNREFUSED\) \(showing its last good copy\)$/m,
    );
    expect(json.problems).toHaveLength(1);
    expect(offline.stderr + offline.stdout).not.toContain("a1b2c3d4e5f60718293a4b5c6d7e8f90");
  });
});
