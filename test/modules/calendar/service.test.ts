import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/core/db.ts";
import { resolvePaths } from "../../../src/core/paths.ts";
import { Secrets } from "../../../src/core/secrets/secrets.ts";
import { Store } from "../../../src/core/store.ts";
import { Calendars } from "../../../src/modules/calendar/calendars.ts";
import { dateIn } from "../../../src/modules/calendar/dates.ts";
import { MIGRATIONS } from "../../../src/modules/calendar/db.ts";
import { defineEntities, updateEntities } from "../../../src/modules/calendar/entities.ts";
import { SHIPPED_DIR } from "../../../src/modules/calendar/school/repository.ts";
import { yearContaining } from "../../../src/modules/calendar/school/years.ts";
import { modules } from "../../../src/modules.ts";
import { type FeedServer, startFeedServer } from "../../fixtures/calendar/feed-server.ts";
import {
  freePort,
  makeSandbox,
  repoRoot,
  runCli,
  type Sandbox,
  spawnCli,
  waitFor,
} from "../../helpers/sandbox.ts";
import { calendarConfig, writeConfig } from "./setup.ts";

const FAMILY = join(repoRoot, "test/fixtures/calendar/feeds/family.ics");

describe("entities", () => {
  let sandbox: Sandbox;
  let server: FeedServer;
  beforeAll(async () => {
    sandbox = makeSandbox();
    server = await startFeedServer(FAMILY);
  });
  afterAll(async () => {
    await server?.stop();
    sandbox?.cleanup();
  });

  it("say what kind of day today and tomorrow are at school, and what comes next", async () => {
    const config = calendarConfig({
      schools: [{ id: "alva", municipality: "uppsala", child: "Alva" }],
      feeds: [{ id: "family", url: server.url }],
    });
    const db = await openDatabase(join(sandbox.dataDir, "entities.db"), MIGRATIONS);
    const calendars = new Calendars(config, db, [SHIPPED_DIR]);
    await calendars.reloadSchools();
    await calendars.feeds.load(config.feeds, new Secrets({ env: {}, paths: resolvePaths(sandbox.env) }));
    await calendars.feeds.refresh("family");
    const store = new Store();
    defineEntities(store, calendars);
    const state = (id: string) => store.get(id)?.state;

    // Sunday 26 October 2025, 20:00 in Stockholm: höstlov starts tomorrow.
    updateEntities(store, calendars, Date.parse("2025-10-26T19:00:00Z"));
    expect(state("calendar.alva_today")).toMatchObject({
      value: "weekend",
      attributes: { date: "2025-10-26", school: false },
    });
    expect(state("calendar.alva_tomorrow")).toMatchObject({
      value: "lov",
      attributes: {
        date: "2025-10-27",
        school: false,
        name: "Höstlov",
        kind: "hostlov",
        term: "HT2025",
        year: "2025/26",
      },
    });
    expect(state("calendar.next_event")).toMatchObject({
      value: "Alva: Höstlov",
      attributes: { start: "2025-10-27", end: "2025-10-31", all_day: true, calendar: "alva" },
    });
    expect(state("calendar.next_event_start")?.value).toBe("2025-10-26T23:00:00.000Z");
    expect(state("calendar.feed_family")).toMatchObject({
      value: "ok",
      attributes: { using_last_good_copy: false },
    });

    // Monday 3 November, 12:00: a school day; the next event is the New York meeting at 15:00.
    updateEntities(store, calendars, Date.parse("2025-11-03T11:00:00Z"));
    expect(state("calendar.alva_today")).toMatchObject({
      value: "school_day",
      attributes: { school: true, term: "HT2025" },
    });
    expect(state("calendar.next_event")).toMatchObject({
      value: "Möte med New York",
      attributes: { calendar: "family", all_day: false },
    });
    expect(state("calendar.next_event_start")?.value).toBe("2025-11-03T14:00:00.000Z");

    // A year deskhub has no data for says so, and where to get it.
    updateEntities(store, calendars, Date.parse("2026-09-01T10:00:00Z"));
    expect(state("calendar.alva_today")?.value).toBe("no_data");
    expect(state("calendar.alva_today")?.attributes.problem).toContain(
      "no school-year data for Uppsala kommun 2026/27",
    );
    expect(state("calendar.alva_today")?.attributes.how).toContain(
      "Uppsala kommun publishes its dates at https://uppsala.se/",
    );
    db.close();
  });
});

describe("the calendar service in the daemon", () => {
  let sandbox: Sandbox;
  let server: FeedServer;
  let daemon: ReturnType<typeof spawnCli>;
  let dashboard: string;

  beforeAll(async () => {
    sandbox = makeSandbox();
    server = await startFeedServer(FAMILY);
    const port = await freePort();
    dashboard = `http://127.0.0.1:${port}`;
    const others = Object.fromEntries(
      modules.filter((m) => m.name !== "calendar").map((m) => [m.name, { enabled: false }]),
    );
    writeConfig(
      sandbox,
      {
        schools: [{ id: "alva", municipality: "uppsala", child: "Alva" }],
        feeds: [{ id: "family", url: server.url, refresh: "1h" }],
        reminders: { desktop: false },
      },
      { ...others, dashboard: { port } },
    );
    daemon = spawnCli(["up"], sandbox.env);
    await waitFor(() => daemon.output().includes('"module":"calendar","msg":"started"'), {
      what: "the calendar service",
      timeout: 20_000,
    });
  });
  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      daemon.kill("SIGTERM");
      await daemon.exited;
    }
    await server?.stop();
    sandbox?.cleanup();
  });

  it("serves the school calendar on the dashboard server for subscription", async () => {
    const response = await fetch(`${dashboard}/calendar/alva.ics`);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain("UID:alva-2025-26-hostlov@deskhub");
    expect(body).toContain("SUMMARY:Alva: Höstlov");
    const list = (await (await fetch(`${dashboard}/calendar/`)).json()) as {
      calendars: Array<{ id: string; years: string }>;
    };
    expect(list.calendars).toEqual([expect.objectContaining({ id: "alva", years: "2024/25, 2025/26" })]);
  });

  it("fetches the feed and publishes entities that status and Home Assistant read", async () => {
    await waitFor(() => server.requests.length > 0, { what: "the daemon's feed request" });
    const status = await waitFor(
      async () => {
        const result = await runCli(["status", "--json"], sandbox.env);
        const parsed = JSON.parse(result.stdout) as {
          entities?: Array<{ id: string; value: unknown; attributes: Record<string, unknown> }>;
        };
        const entities = parsed.entities ?? [];
        return entities.find((e) => e.id === "calendar.feed_family")?.value === "ok" ? entities : undefined;
      },
      { what: "calendar.feed_family to be ok", timeout: 20_000 },
    );
    const today = status.find((e) => e.id === "calendar.alva_today")!;
    expect(["school_day", "lov", "studiedag", "holiday", "weekend", "no_data"]).toContain(today.value);
    expect(status.some((e) => e.id === "calendar.next_event")).toBe(true);
  });

  it("says, while the school year under way has no data, which year and where it is published", async () => {
    const year = yearContaining(dateIn(Date.now(), "Europe/Stockholm"));
    const shipped = existsSync(join(SHIPPED_DIR, "uppsala", `${year.slug}.yaml`));
    const result = await runCli(["status", "--json"], sandbox.env);
    const entities = (
      JSON.parse(result.stdout) as {
        entities: Array<{ id: string; value: unknown; attributes: Record<string, unknown> }>;
      }
    ).entities;
    const today = entities.find((e) => e.id === "calendar.alva_today")!;
    const health = entities.find((e) => e.id === "calendar.health")!;
    if (shipped) {
      expect(today.value).not.toBe("no_data");
      return;
    }
    // On 22 Nov 2026, when this was written, that is 2026/27.
    const missing = `no school-year data for Uppsala kommun ${year.label} (deskhub has 2024/25, 2025/26`;
    expect(today).toMatchObject({ value: "no_data", attributes: { school: false } });
    expect(today.attributes.problem).toContain(missing);
    expect(today.attributes.how).toContain("Uppsala kommun publishes its dates at https://uppsala.se/");
    expect(health.value).toBe("degraded");
    expect(String(health.attributes.message)).toContain(missing);
    const list = (await (await fetch(`${dashboard}/calendar/`)).json()) as {
      calendars: Array<Record<string, string>>;
    };
    expect(list.calendars[0]!.problem).toContain(missing);
  });
});
