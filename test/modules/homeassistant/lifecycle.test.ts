import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type DaemonHandle, startDaemon } from "../../../src/app/daemon/daemon.ts";
import { defineModule } from "../../../src/core/module.ts";
import type { Store } from "../../../src/core/store.ts";
import homeassistant from "../../../src/modules/homeassistant/index.ts";
import presence from "../../../src/modules/presence/index.ts";
import {
  type FakeHomeAssistant,
  startFakeHomeAssistant,
} from "../../fixtures/homeassistant/fake-home-assistant.ts";
import { startLogind, startScreenSaver } from "../../fixtures/presence/dbus-services.ts";
import { type PrivateBus, startSessionBus } from "../../helpers/dbus.ts";
import { type Mosquitto, startMosquitto } from "../../helpers/mosquitto.ts";
import { freePort, makeSandbox, repoRoot, type Sandbox, waitFor } from "../../helpers/sandbox.ts";
import { discoveryProblems } from "./ha-discovery-rules.ts";
import { now, type Recorder, record } from "./support.ts";

const NODE = "lifecycle";
const BASE = `deskhub/${NODE}`;
const AVAILABILITY = `${BASE}/availability`;
const DISCOVERY = `homeassistant/device/${NODE}/config`;
const TOKEN = "lifecycle-test-token-0123456789";

let lateStartMs = 0;
/** A module after the bridge in start order that takes its time, as one waiting on a disk or a network would. */
const late = defineModule({
  name: "late",
  summary: "defines its sensor only after a while",
  config: async () => z.object({}),
  service: (ctx) => ({
    async start() {
      await new Promise((r) => setTimeout(r, lateStartMs));
      ctx.store.define({ id: "late.ready", kind: "binary_sensor", name: "Ready" });
      ctx.store.set("late.ready", true);
    },
    async stop() {},
  }),
});
const MODULES = [presence, homeassistant, late];

/**
 * Presence and the bridge in one daemon, with the defaults a user has (reconnect every
 * 2 s), against a real mosquitto, a fake logind on a private system bus and a fake
 * systemd-inhibit: what Home Assistant sees when the machine sleeps and the broker
 * restarts.
 */
describe("presence and the Home Assistant bridge across sleep and broker restarts", () => {
  let broker: Mosquitto;
  let session: PrivateBus;
  let system: PrivateBus;
  let screensaver: Awaited<ReturnType<typeof startScreenSaver>>;
  let logind: Awaited<ReturnType<typeof startLogind>>;
  let sandbox: Sandbox;
  let daemon: DaemonHandle;
  let store: Store;
  let recorder: Recorder;
  let inhibitLog: string;
  let hass: FakeHomeAssistant;

  const inhibitor = () => (existsSync(inhibitLog) ? readFileSync(inhibitLog, "utf8").trim().split("\n") : []);

  beforeAll(async () => {
    broker = await startMosquitto();
    hass = await startFakeHomeAssistant({ token: TOKEN });
    [session, system] = await Promise.all([startSessionBus(), startSessionBus()]);
    [screensaver, logind] = await Promise.all([
      startScreenSaver(session.address),
      startLogind(system.address),
    ]);
    screensaver.setIdleMs(1_000);
    sandbox = makeSandbox({
      // Only the fake systemd-inhibit: nothing here can lock or suspend the test machine.
      PATH: join(repoRoot, "test/fixtures/presence/bin-inhibit"),
      DBUS_SESSION_BUS_ADDRESS: session.address,
      DBUS_SYSTEM_BUS_ADDRESS: system.address,
      DESKHUB_LOG_LEVEL: "error",
      HASS_TOKEN: TOKEN,
    });
    inhibitLog = join(sandbox.root, "inhibit.log");
    sandbox.env.FAKE_INHIBIT_LOG = inhibitLog;
    mkdirSync(sandbox.configDir, { recursive: true });
    writeFileSync(
      join(sandbox.configDir, "config.yaml"),
      [
        "dashboard:",
        `  port: ${await freePort()}`,
        "presence:",
        "  idle: { poll_interval: 0.2 }",
        "  webcam: { enabled: false }",
        "  microphone: { enabled: false }",
        "  system: { active_window: false }",
        "  actions: { suspend_grace: 0.05 }",
        "homeassistant:",
        `  broker: "127.0.0.1:${broker.port}"`,
        `  node_id: ${NODE}`,
        `  server: ${hass.url}`,
        "  retry: { delay: 0.2 }",
        "  rules:",
        "    - name: office_lights_off",
        '      when: { entity: presence.idle, is: "on", for: 1s }',
        '      unless: [{ entity: presence.override, is: "on" }]',
        "      call: { service: light.turn_off, target: { entity_id: light.office } }",
        "    - name: office_scene",
        '      when: { entity: presence.idle, is: "off", from: "on" }',
        "      call: { service: scene.turn_on, target: { entity_id: scene.office } }",
        "",
      ].join("\n"),
    );
    recorder = await record(broker.url, [DISCOVERY, `${BASE}/#`]);
    daemon = await startDaemon({ env: sandbox.env, modules: MODULES });
    store = daemon.runtime.store;
    await recorder.next(AVAILABILITY, (p) => p === "online", { timeout: 20_000 });
    await recorder.next(`${BASE}/presence.in_office/state`, (p) => p === "ON");
  });

  afterAll(async () => {
    broker?.resume();
    await daemon?.stop();
    await recorder?.close();
    await Promise.all([screensaver?.stop(), logind?.stop()]);
    await Promise.all([session?.stop(), system?.stop()]);
    await broker?.close();
    await hass?.stop();
    sandbox?.cleanup();
  });

  it("holds the sleep delay lock until the broker has acknowledged offline, and is back on wake-up", async () => {
    await waitFor(() => inhibitor().at(-1) === "taken delay sleep", { what: "the delay lock" });
    // The broker cannot acknowledge anything now; a fixed grace period would let the
    // machine sleep with Home Assistant still showing it online.
    broker.pause();
    const since = now();
    logind.prepareForSleep(true);
    await expect.poll(() => store.value("presence.suspending")).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(inhibitor().at(-1)).toBe("taken delay sleep");
    broker.resume();
    await waitFor(() => inhibitor().at(-1) === "released", { what: "the delay lock released" });
    await recorder.next(AVAILABILITY, (p) => p === "offline", { since });
    // Retained: a Home Assistant that starts while the machine sleeps sees it offline.
    const late = await record(broker.url, [AVAILABILITY]);
    const seen = await late.next(AVAILABILITY);
    await late.close();
    expect([seen.payload, seen.retain]).toEqual(["offline", true]);

    const woke = now();
    logind.prepareForSleep(false);
    await recorder.next(AVAILABILITY, (p) => p === "online", { since: woke });
    await recorder.next(`${BASE}/presence.suspending/state`, (p) => p === "OFF", { since: woke });
    await recorder.next(`${BASE}/presence.idle/state`, (p) => p === "OFF", { since: woke });
    await waitFor(() => inhibitor().at(-1) === "taken delay sleep", { what: "the next delay lock" });
  });

  it("republishes everything within 5 s of the broker coming back, with what changed while it was down", async () => {
    await broker.stop();
    // Set from the dashboard while nothing could reach Home Assistant.
    await store.run("presence.set_override", { value: "off" }, "dashboard");
    expect(store.value("presence.in_office")).toBe(false);
    await broker.start();
    const restarted = now();
    const within = { since: restarted, timeout: 5_000 };
    const discovery = await recorder.next(DISCOVERY, () => true, within);
    expect(discoveryProblems(DISCOVERY, JSON.parse(discovery.payload), NODE)).toEqual([]);
    await recorder.next(AVAILABILITY, (p) => p === "online", within);
    await recorder.next(`${BASE}/presence.override/state`, (p) => p === "off", within);
    await recorder.next(`${BASE}/presence.in_office/state`, (p) => p === "OFF", within);
    await store.run("presence.set_override", { value: "auto" }, "dashboard");
  });

  it("takes the in-office override from Home Assistant's select, keeps it, and reports the result", async () => {
    const since = now();
    await recorder.publish(`${BASE}/presence.override/set`, "off");
    await recorder.next(`${BASE}/presence.override/state`, (p) => p === "off", { since });
    await recorder.next(`${BASE}/presence.in_office/state`, (p) => p === "OFF", { since });
    expect(store.get("presence.override")?.state?.attributes.source).toBe("homeassistant");
    const saved = JSON.parse(readFileSync(join(sandbox.stateDir, "presence.json"), "utf8"));
    expect(saved).toEqual({ override: "off" });
    const back = now();
    await recorder.publish(`${BASE}/presence.override/set`, "auto");
    await recorder.next(`${BASE}/presence.in_office/state`, (p) => p === "ON", { since: back });
  });

  it("calls Home Assistant from the rules, and retries a call made while it was down until it lands", async () => {
    // Idle past the threshold; once that has held for the rule's `for` (1 s), the light goes off.
    screensaver.setIdleMs(400_000);
    await waitFor(() => hass.state("light.office")?.state === "off", { what: "light.office off" });
    await waitFor(() => store.get("homeassistant.rule_office_lights_off")?.state?.attributes.status === "ok");
    await recorder.next(
      `${BASE}/homeassistant.rule_office_lights_off/state`,
      (p) => !Number.isNaN(Date.parse(p)),
    );

    await hass.stop();
    screensaver.setIdleMs(1_000);
    await waitFor(
      () => store.get("homeassistant.rule_office_scene")?.state?.attributes.status === "retrying",
      {
        what: "the failed call to be retried",
      },
    );
    expect(store.get("homeassistant.rule_office_scene")?.state?.attributes.error).toMatch(
      /cannot reach Home Assistant|not connected/,
    );
    await hass.start();
    await waitFor(() => store.get("homeassistant.rule_office_scene")?.state?.attributes.status === "ok", {
      timeout: 15_000,
      what: "the retried call to succeed",
    });
    expect(hass.state("light.office")).toMatchObject({ state: "on", attributes: { brightness: 230 } });
    expect(hass.calls.map((c) => `${c.domain}.${c.service} ${JSON.stringify(c.target)}`)).toEqual([
      'light.turn_off {"entity_id":"light.office"}',
      'scene.turn_on {"entity_id":"scene.office"}',
    ]);
  });

  it("keeps every component across a daemon restart, even of a module that starts after the bridge", async () => {
    await recorder.next(DISCOVERY, (p) => "late_ready" in JSON.parse(p).cmps);
    await daemon.stop();
    lateStartMs = 1_000;
    const since = now();
    daemon = await startDaemon({ env: sandbox.env, modules: MODULES });
    store = daemon.runtime.store;
    // Every module has started; a republish now sees the store as it will stay.
    const republished = now();
    await store.run("homeassistant.republish", {}, "cli");
    await recorder.next(DISCOVERY, (p) => "late_ready" in JSON.parse(p).cmps, { since: republished });
    const messages = recorder.messages.filter((m) => m.topic === DISCOVERY && m.at >= since);
    // Nothing was deleted: Home Assistant keeps the entity and what the user set on it...
    const deletions = messages.flatMap((m) =>
      Object.entries(JSON.parse(m.payload).cmps as Record<string, object>)
        .filter(([, c]) => Object.keys(c).length === 1)
        .map(([key]) => key),
    );
    expect(deletions).toEqual([]);
    // ...though the bridge announced the device before the late module had its sensor.
    expect(Object.keys(JSON.parse(messages[0]!.payload).cmps)).not.toContain("late_ready");
    await recorder.next(`${BASE}/late.ready/state`, (p) => p === "ON", { since });
  });
});
