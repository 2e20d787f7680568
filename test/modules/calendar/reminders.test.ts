import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseSync, openDatabase } from "../../../src/core/db.ts";
import { silentLogger } from "../../../src/core/log.ts";
import { Store } from "../../../src/core/store.ts";
import type { ReminderRule } from "../../../src/modules/calendar/config.ts";
import { MIGRATIONS } from "../../../src/modules/calendar/db.ts";
import type { CalendarEvent } from "../../../src/modules/calendar/event.ts";
import { expandFeed, parseFeed } from "../../../src/modules/calendar/feeds/expand.ts";
import { reminderDelivery } from "../../../src/modules/calendar/reminders/deliver.ts";
import { type ReminderCalendar, ReminderEngine } from "../../../src/modules/calendar/reminders/engine.ts";
import { loadSchoolCalendar } from "../../../src/modules/calendar/school/calendar.ts";
import { SHIPPED_DIR } from "../../../src/modules/calendar/school/repository.ts";
import { ServiceCall } from "../../../src/modules/homeassistant/config.ts";
import {
  type NotificationServer,
  startNotificationServer,
} from "../../fixtures/calendar/notification-server.ts";
import { type PrivateBus, startSessionBus } from "../../helpers/dbus.ts";
import { makeSandbox, repoRoot, type Sandbox } from "../../helpers/sandbox.ts";

const TZ = "Europe/Stockholm";
const EVENING_BEFORE: ReminderRule = { days_before: 1, at: "19:00" };
const MORNING_OF: ReminderRule = { days_before: 0, at: "07:00" };
const at = (iso: string) => Date.parse(iso);

describe("reminders with a controlled clock", () => {
  let sandbox: Sandbox;
  let bus: PrivateBus;
  let server: NotificationServer;
  let school: ReminderCalendar;
  let clock = 0;
  const databases: DatabaseSync[] = [];

  const open = async (name: string) => {
    const db = await openDatabase(join(sandbox.dataDir, name), MIGRATIONS);
    databases.push(db);
    return db;
  };
  /** An engine as the daemon builds it: real delivery, a desktop notification on the private bus. */
  const engine = (db: DatabaseSync, options: { sendLate?: boolean; maxLateMs?: number } = {}) =>
    new ReminderEngine({
      db,
      timeZone: TZ,
      now: () => clock,
      sendLate: options.sendLate ?? true,
      maxLateMs: options.maxLateMs ?? 3 * 3_600_000,
      deliver: reminderDelivery({
        config: { desktop: true, urgency: "normal", send_late: true, max_late: 10800 },
        timeZone: TZ,
        store: new Store(),
        env: bus.env,
        log: silentLogger(),
        now: () => clock,
      }),
    });

  beforeAll(async () => {
    sandbox = makeSandbox();
    bus = await startSessionBus();
    server = await startNotificationServer(bus.address);
    const calendar = await loadSchoolCalendar(
      { id: "alva", municipality: "uppsala", years: [], holidays: true, reminders: [] },
      { dirs: [SHIPPED_DIR], timeZone: TZ, years: ["2025/26"] },
    );
    school = {
      id: "alva",
      rules: [EVENING_BEFORE, MORNING_OF],
      events: (from, to) => calendar.events.filter((e) => e.start < to && e.end > from),
    };
  });
  afterAll(async () => {
    for (const db of databases) if (db.isOpen) db.close();
    await server?.stop();
    await bus?.stop();
    sandbox?.cleanup();
  });

  it("fires at 19:00 local time on the evening before (a DST-change Sunday), once, and not again after a restart", async () => {
    const db = await open("restart.db");
    const first = engine(db);
    clock = at("2025-10-26T17:59:00Z");
    expect(await first.tick([school])).toEqual([]);
    // 26 Oct 2025: clocks went back at 03:00, so 19:00 in Stockholm is 18:00 UTC.
    expect(
      first.upcoming([school], 3_600_000).map((r) => [r.event.summary, new Date(r.dueAt).toISOString()]),
    ).toEqual([["Höstlov", "2025-10-26T18:00:00.000Z"]]);
    clock = at("2025-10-26T18:00:20Z");
    const handled = await first.tick([school]);
    expect(handled.map((h) => [h.status, h.reminder.event.summary])).toEqual([["sent", "Höstlov"]]);
    const shown = server.received.at(-1)!;
    expect(shown.summary).toBe("Tomorrow: Höstlov");
    expect(shown.body).toBe("No school: 27–31 Oct 2025\nUppsala kommun skolkalender");
    const count = server.received.length;

    clock = at("2025-10-26T18:00:50Z");
    expect(await first.tick([school])).toEqual([]);
    db.close();

    // deskhub restarts: a new engine on the same database.
    const again = engine(await open("restart.db"));
    clock = at("2025-10-26T18:05:00Z");
    expect(await again.tick([school])).toEqual([]);
    expect(server.received.length).toBe(count);
  });

  it("sends a reminder that came due while deskhub was stopped, late, while it still helps", async () => {
    const db = await open("down.db");
    // Handled the evening before; then stopped overnight, started again at 07:40 local.
    clock = at("2025-10-26T18:00:10Z");
    await engine(db).tick([school]);
    clock = at("2025-10-27T06:40:00Z");
    const handled = await engine(db).tick([school]);
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ status: "sent", lateMs: 40 * 60_000 });
    expect(server.received.at(-1)!.summary).toBe("Today: Höstlov");
  });

  it("after a sleep, sends only the reminders that are still useful and not too late", async () => {
    // Påsklov 2026 starts Monday 30 March; clocks went forward on Sunday the 29th.
    const tick = async (
      db: DatabaseSync,
      iso: string,
      options?: { sendLate?: boolean; maxLateMs?: number },
    ) => {
      clock = at(iso);
      return engine(db, options).tick([school]);
    };
    const strict = await open("sleep-strict.db");
    const lenient = await open("sleep-lenient.db");
    const never = await open("sleep-never.db");
    for (const db of [strict, lenient, never]) await tick(db, "2026-03-29T16:00:00Z");
    const sent = server.received.length;

    // The lid closes at 18:00 local (16:00 UTC) and opens at 10:30 local the next morning.
    // 19:00 CEST is 17:00 UTC: fifteen and a half hours ago; 07:00 was three and a half.
    const wokeStrict = await tick(strict, "2026-03-30T08:30:00Z", { maxLateMs: 3 * 3_600_000 });
    expect(wokeStrict.map((h) => [h.status, h.reminder.rule, h.reason])).toEqual([
      ["skipped", "0d@07:00", "210 min late"],
    ]);

    const wokeLenient = await tick(lenient, "2026-03-30T08:30:00Z", { maxLateMs: 6 * 3_600_000 });
    expect(wokeLenient.map((h) => [h.status, h.reminder.rule])).toEqual([["sent", "0d@07:00"]]);
    expect(server.received.length).toBe(sent + 1);
    expect(server.received.at(-1)!.summary).toBe("Today: Påsklov");

    // With send_late off, even ten minutes late is too late; on time (within the grace) is not late.
    const wokeNever = await tick(never, "2026-03-29T17:10:00Z", { sendLate: false });
    expect(wokeNever.map((h) => [h.status, h.reminder.rule])).toEqual([["skipped", "1d@19:00"]]);
    const onTime = await tick(never, "2026-03-30T05:00:40Z", { sendLate: false });
    expect(onTime.map((h) => [h.status, h.reminder.rule])).toEqual([["sent", "0d@07:00"]]);

    // A reminder a sleep left unsent stays handled: waking again sends nothing.
    expect(await tick(strict, "2026-03-30T08:31:00Z")).toEqual([]);
  });

  it("skips a timed event's reminder once the event has begun", async () => {
    const feed = parseFeed(
      readFileSync(join(repoRoot, "test/fixtures/calendar/feeds/family.ics"), "utf8"),
      TZ,
    );
    const family: ReminderCalendar = {
      id: "family",
      rules: [{ before: 1800 }],
      events: (from, to) => expandFeed(feed, { from, to }, { calendar: "family", calendarName: "Familjen" }),
    };
    const db = await open("timed.db");
    clock = at("2025-11-20T11:00:00Z");
    expect(await engine(db).tick([family])).toEqual([]);
    // Asleep from 12:00 to 13:10 local: the dentist (13:00 local) has begun.
    clock = at("2025-11-20T12:10:00Z");
    const handled = await engine(db).tick([family]);
    expect(handled.map((h) => [h.status, h.reminder.event.summary, h.reason])).toEqual([
      ["skipped", "Tandläkare", "the event had already begun"],
    ]);
    // On time, the same rule says when and where.
    const db2 = await open("timed-2.db");
    clock = at("2025-11-20T11:30:30Z");
    const onTime = await engine(db2).tick([family]);
    expect(onTime.map((h) => h.status)).toEqual(["sent"]);
    expect(server.received.at(-1)).toMatchObject({
      summary: "Today at 13:00: Tandläkare",
      body: "Thu 20 Nov 2025, 13:00–14:00\nFolktandvården Gränby\nFamiljen",
    });
  });

  it("retries a failed delivery and records it once it worked", async () => {
    const db = await open("retry.db");
    let attempts = 0;
    const flaky = new ReminderEngine({
      db,
      timeZone: TZ,
      now: () => clock,
      sendLate: true,
      maxLateMs: 3 * 3_600_000,
      retryMs: 300_000,
      deliver: async () => {
        attempts++;
        if (attempts === 1) throw new Error("no notification server");
      },
    });
    clock = at("2025-09-25T17:00:05Z");
    expect((await flaky.tick([school])).map((h) => [h.status, h.reason])).toEqual([
      ["failed", "no notification server"],
    ]);
    clock = at("2025-09-25T17:02:00Z");
    expect(await flaky.tick([school])).toEqual([]);
    clock = at("2025-09-25T17:05:10Z");
    expect((await flaky.tick([school])).map((h) => [h.status, h.lateMs])).toEqual([["sent", 310_000]]);
    const row = db.prepare("SELECT status, attempts FROM reminders").get() as {
      status: string;
      attempts: number;
    };
    expect(row).toEqual({ status: "sent", attempts: 2 });
  });
});

describe("reminders in Home Assistant", () => {
  const event: CalendarEvent = {
    calendar: "alva",
    calendarName: "Uppsala kommun skolkalender",
    uid: "alva-2025-26-studiedag-2025-11-14@deskhub",
    summary: "Studiedag",
    allDay: true,
    startDate: "2025-11-14",
    endDate: "2025-11-15",
    start: at("2025-11-13T23:00:00Z"),
    end: at("2025-11-14T23:00:00Z"),
    kind: "studiedag",
  };
  const reminder = { key: "k", rule: "1d@19:00", dueAt: at("2025-11-13T18:00:00Z"), event };

  const deliverWith = (store: Store) =>
    reminderDelivery({
      config: {
        desktop: false,
        urgency: "normal",
        homeassistant_service: "notify.mobile_app_pixel_8",
        send_late: true,
        max_late: 10800,
      },
      timeZone: TZ,
      store,
      env: {},
      log: silentLogger(),
      now: () => at("2025-11-13T18:00:00Z"),
    });
  const message = {
    title: "Tomorrow: Studiedag",
    message: "No school: 14 Nov 2025\nUppsala kommun skolkalender",
  };

  it("calls the notify service through the homeassistant module's homeassistant.call command", async () => {
    const store = new Store();
    const calls: unknown[] = [];
    store.command({
      id: "homeassistant.call",
      summary: "Call a Home Assistant service",
      args: ServiceCall,
      handler: (args) => {
        calls.push(args);
      },
    });
    await deliverWith(store)(reminder, 0);
    expect(calls).toEqual([{ service: "notify.mobile_app_pixel_8", data: message }]);
  });

  it("fails (so the engine retries) when no channel can deliver", async () => {
    await expect(deliverWith(new Store())(reminder, 0)).rejects.toThrow("no homeassistant.call command");
  });
});
