import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../../src/core/store.ts";
import type { DevicePayload } from "../../../src/modules/homeassistant/discovery/payload.ts";
import { makeTopics } from "../../../src/modules/homeassistant/mqtt/topics.ts";
import { type Mosquitto, startMosquitto } from "../../helpers/mosquitto.ts";
import { waitFor } from "../../helpers/sandbox.ts";
import { desktopStore, makeBridge, TEST_VERSION } from "./fixtures.ts";
import { discoveryProblems } from "./ha-discovery-rules.ts";
import { captureLog, now, type Recorder, record } from "./support.ts";

let broker: Mosquitto;
const open: Array<{ stop(): Promise<void> } | { close(): Promise<void> }> = [];

beforeAll(async () => {
  broker = await startMosquitto();
});
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await ("stop" in item ? item.stop() : item.close());
});
afterAll(async () => {
  await broker.close();
});

let nodes = 0;
/** Each test is its own machine on the shared broker, so retained messages never leak between tests. */
async function bridgeOn(options: Parameters<typeof makeBridge>[3] = {}) {
  const nodeId = `node${++nodes}`;
  const { store, ran } = desktopStore(nodeId);
  const { log, lines } = captureLog();
  const bridge = makeBridge(store, broker.url, log, { nodeId, ...options });
  const recorder = await record(broker.url, [`homeassistant/device/${nodeId}/config`, `deskhub/${nodeId}/#`]);
  open.push(recorder);
  await bridge.start();
  open.push(bridge);
  const base = `deskhub/${nodeId}`;
  const discoveryTopic = `homeassistant/device/${nodeId}/config`;
  await recorder.next(discoveryTopic);
  return { nodeId, store, ran, log: lines, bridge, recorder, base, discoveryTopic };
}

function discovery(recorder: Recorder, topic: string): DevicePayload {
  return JSON.parse(recorder.last(topic)!.payload) as DevicePayload;
}

describe("MQTT bridge on a real mosquitto", () => {
  it("publishes one device discovery message that follows Home Assistant's documented rules", async () => {
    const { recorder, discoveryTopic, nodeId, base } = await bridgeOn();
    const payload = discovery(recorder, discoveryTopic);
    expect(discoveryProblems(discoveryTopic, payload, nodeId)).toEqual([]);
    expect(payload.o).toEqual({ name: "deskhub", sw: TEST_VERSION, url: "https://example.org/deskhub" });
    expect(payload.dev).toMatchObject({ ids: [`deskhub_${nodeId}`], name: nodeId, sw: TEST_VERSION });
    expect(payload.avty_t).toBe(`${base}/availability`);

    const { cmps } = payload;
    // Every entity and every command without an entity, whatever module put it there.
    expect(Object.keys(cmps).sort()).toEqual(
      [
        "desk_brightness",
        "desk_config_mode",
        "desk_fan",
        "desk_mode_command",
        "desk_motd",
        "desk_move_command",
        "desk_reboot",
        "desk_uptime",
        "presence_backend",
        "presence_idle",
        "presence_idle_seconds",
        "presence_lock_command",
        "presence_notify_command",
        "presence_override",
      ].sort(),
    );
    expect(cmps.presence_idle).toMatchObject({
      p: "binary_sensor",
      name: "Idle",
      uniq_id: `deskhub_${nodeId}_presence_idle`,
      def_ent_id: `binary_sensor.${nodeId}_presence_idle`,
      stat_t: `${base}/presence.idle/state`,
      json_attr_t: `${base}/presence.idle/attributes`,
      exp_aft: 300,
    });
    expect(cmps.presence_idle_seconds).toMatchObject({
      p: "sensor",
      unit_of_meas: "s",
      dev_cla: "duration",
      stat_cla: "measurement",
    });
    expect(cmps.presence_backend).toMatchObject({ ent_cat: "diagnostic" });
    expect(cmps.desk_config_mode).toMatchObject({ p: "sensor", ent_cat: "diagnostic" });
    expect(cmps.presence_override).toMatchObject({
      p: "select",
      ops: ["auto", "on", "off"],
      cmd_t: `${base}/presence.override/set`,
    });
    expect(cmps.desk_brightness).toMatchObject({ p: "number", min: 0, max: 100, step: 5, unit_of_meas: "%" });
    expect(cmps.desk_reboot).toMatchObject({
      p: "button",
      dev_cla: "restart",
      cmd_t: `${base}/desk.reboot/set`,
    });
    expect(cmps.desk_reboot?.stat_t).toBeUndefined();
    expect(cmps.desk_uptime?.name).toBe("Uptime");
    expect(cmps.presence_lock_command).toMatchObject({
      p: "button",
      name: "Lock the screen",
      cmd_t: `${base}/presence.lock/run`,
    });
    expect(cmps.presence_notify_command).toMatchObject({
      p: "text",
      cmd_t: `${base}/presence.notify/run`,
      max: 255,
    });
    expect(cmps.desk_move_command).toMatchObject({ p: "text", en: false });
    expect(cmps.desk_mode_command).toMatchObject({
      p: "select",
      ops: ["work", "play"],
      cmd_t: `${base}/desk.mode/run`,
    });
    expect(cmps.desk_mode_command?.stat_t).toBeUndefined();
  });

  it("announces online and every state, retained, so a late subscriber sees them at once", async () => {
    const { base, nodeId } = await bridgeOn();
    const late = await record(broker.url, [`deskhub/${nodeId}/#`]);
    open.push(late);
    await late.next(`${base}/availability`, (p) => p === "online");
    const retained = await waitFor(() => {
      const all = [
        "presence.idle",
        "presence.idle_seconds",
        "presence.override",
        "desk.fan",
        "desk.brightness",
        "desk.motd",
      ];
      const found = all.map((id) => late.last(`${base}/${id}/state`));
      return found.every(Boolean) ? found : undefined;
    });
    expect(retained.every((m) => m!.retain)).toBe(true);
    expect(retained.map((m) => m!.payload)).toEqual(["OFF", "42", "auto", "OFF", "70", "hello"]);
    expect(JSON.parse(late.last(`${base}/presence.idle_seconds/attributes`)!.payload)).toEqual({
      source: "mutter",
    });
    expect(late.last(`${base}/desk.reboot/state`)).toBeUndefined();
  });

  it("publishes a state change as it happens and again on the heartbeat", async () => {
    const { store, recorder, base } = await bridgeOn({ heartbeatMs: 400 });
    const since = now();
    store.set("presence.idle", true);
    await recorder.next(`${base}/presence.idle/state`, (p) => p === "ON", { since });
    const changed = now();
    const beat = await recorder.next(`${base}/presence.idle/state`, (p) => p === "ON", {
      since: changed + 1,
    });
    expect(beat.payload).toBe("ON");
    await recorder.next(`${base}/availability`, (p) => p === "online", { since: changed + 1 });
  });

  it("beats faster than the shortest expire_after, so no sensor goes stale in Home Assistant", async () => {
    const { store, recorder, base } = await bridgeOn({ heartbeatMs: 60_000 });
    store.define({ id: "presence.webcam", kind: "binary_sensor", name: "Webcam", expireAfter: 2 });
    store.set("presence.webcam", false);
    const first = await recorder.next(`${base}/presence.webcam/state`, (p) => p === "OFF");
    // expire_after 2 s: the heartbeat comes within 1 s, long before the configured minute.
    await recorder.next(`${base}/presence.webcam/state`, (p) => p === "OFF", {
      since: first.at + 1,
      timeout: 3_000,
    });
  });

  it("stops the heartbeat for a failed module's sensors, so Home Assistant lets them expire", async () => {
    const { store, recorder, base } = await bridgeOn({ heartbeatMs: 400 });
    store.define({ id: "desk.health", kind: "sensor", name: "desk health", category: "diagnostic" });
    store.set("desk.health", "failed");
    const since = now();
    // A beat: presence's sensors are repeated, desk's (sorted before them) are not.
    await recorder.next(`${base}/presence.idle/state`, (p) => p === "OFF", { since });
    expect(recorder.messages.filter((m) => m.topic === `${base}/desk.uptime/state` && m.at >= since)).toEqual(
      [],
    );
    // Its health is what tells Home Assistant why.
    await recorder.next(`${base}/desk.health/state`, (p) => p === "failed", { since });
    store.set("desk.health", "running");
    const recovered = now();
    await recorder.next(`${base}/desk.uptime/state`, (p) => p === "3600", { since: recovered });
  });

  it("runs commands published by Home Assistant on each kind of command topic", async () => {
    const { recorder, base, ran } = await bridgeOn();
    await recorder.publish(`${base}/desk.fan/set`, "ON");
    await recorder.publish(`${base}/presence.override/set`, "off");
    await recorder.publish(`${base}/desk.brightness/set`, "35");
    await recorder.publish(`${base}/desk.motd/set`, "back at 3");
    await recorder.publish(`${base}/desk.reboot/set`, "PRESS");
    await recorder.publish(`${base}/presence.lock/run`, "PRESS");
    await recorder.publish(`${base}/presence.notify/run`, "Dinner is ready");
    await recorder.publish(`${base}/desk.move/run`, JSON.stringify({ window: "firefox", x: 10, y: 20 }));
    await recorder.publish(`${base}/desk.mode/run`, "play");
    await waitFor(() => ran.length === 9, { what: "nine commands" });
    const byCommand = Object.fromEntries(ran.map((r) => [r.command, r.args]));
    expect(byCommand).toEqual({
      "desk.set_fan": { value: true },
      "presence.set_override": { value: "off" },
      "desk.set_brightness": { value: 35 },
      "desk.set_motd": { value: "back at 3" },
      "desk.reboot": {},
      "presence.lock": {},
      "presence.notify": { text: "Dinner is ready", urgency: "normal" },
      "desk.move": { window: "firefox", x: 10, y: 20 },
      "desk.mode": { mode: "play" },
    });
    expect(new Set(ran.map((r) => r.source))).toEqual(new Set(["homeassistant"]));
    // The handler's new state goes back to Home Assistant.
    await recorder.next(`${base}/desk.fan/state`, (p) => p === "ON");
    await recorder.next(`${base}/presence.override/state`, (p) => p === "off");
  });

  it("refuses commands for unknown, read-only, excluded and local targets and bad payloads, and logs each", async () => {
    const { recorder, base, ran, log, store } = await bridgeOn();
    const refused = [
      [`${base}/nosuch.entity/set`, "ON"],
      [`${base}/presence.idle/set`, "ON"],
      [`${base}/presence.override/set`, "maybe"],
      [`${base}/desk.brightness/set`, "250"],
      [`${base}/desk.brightness/set`, "bright"],
      [`${base}/desk.fan/set`, "1; rm -rf /"],
      [`${base}/desk.reboot/set`, "NOW"],
      [`${base}/secret.wipe/run`, "PRESS"],
      [`${base}/homeassistant.call/run`, JSON.stringify({ service: "lock.unlock" })],
      [`${base}/desk.move/run`, "{not json"],
      [`${base}/presence.notify/run`, "x".repeat(300)],
      [`${base}/presence.lock/set`, "PRESS"],
      [`${base}/desk.mode/run`, "sleep"],
    ] as const;
    for (const [topic, payload] of refused) await recorder.publish(topic, payload);
    await waitFor(
      () => log().filter((l) => l.msg === "refused a command from MQTT").length === refused.length,
      {
        what: "every refusal logged",
      },
    );
    expect(ran).toEqual([]);
    const topics = log()
      .filter((l) => l.msg === "refused a command from MQTT")
      .map((l) => l.topic);
    expect(topics.sort()).toEqual(refused.map(([t]) => t).sort());
    expect(store.value("desk.brightness")).toBe(70);
  });

  it("republishes discovery and states when Home Assistant announces itself", async () => {
    const { recorder, discoveryTopic, base } = await bridgeOn();
    const since = now();
    await recorder.publish("homeassistant/status", "online");
    await recorder.next(discoveryTopic, () => true, { since });
    await recorder.next(`${base}/presence.idle/state`, (p) => p === "OFF", { since });
    await recorder.next(`${base}/availability`, (p) => p === "online", { since });
    // Home Assistant going offline is no reason to publish anything.
    const quiet = now();
    await recorder.publish("homeassistant/status", "offline");
    await new Promise((r) => setTimeout(r, 300));
    expect(recorder.messages.filter((m) => m.topic === discoveryTopic && m.at >= quiet)).toEqual([]);
  });

  it("updates discovery, debounced, when entities come and go, and deletes what was removed", async () => {
    const { store, recorder, discoveryTopic, base } = await bridgeOn({ debounceMs: 200 });
    const since = now();
    for (const name of ["a", "b", "c"])
      store.define({ id: `late.${name}`, kind: "sensor", name: `Late ${name}` });
    store.set("late.a", 1);
    const updated = await recorder.next(discoveryTopic, (p) => "late_c" in JSON.parse(p).cmps, { since });
    expect(recorder.messages.filter((m) => m.topic === discoveryTopic && m.at >= since)).toHaveLength(1);
    expect(Object.keys(JSON.parse(updated.payload).cmps)).toEqual(
      expect.arrayContaining(["late_a", "late_b", "late_c"]),
    );
    await recorder.next(`${base}/late.a/state`, (p) => p === "1");

    const removedAt = now();
    store.remove("late.a");
    // Home Assistant deletes a component that appears with only its platform...
    const deleting = await recorder.next(
      discoveryTopic,
      (p) => JSON.stringify(JSON.parse(p).cmps.late_a) === JSON.stringify({ p: "sensor" }),
      { since: removedAt },
    );
    expect(JSON.parse(deleting.payload).cmps.late_b).toBeDefined();
    // ...and the next message leaves it out, as the documentation asks.
    await recorder.next(discoveryTopic, (p) => !("late_a" in JSON.parse(p).cmps), { since: deleting.at });
    // Its retained state is cleared, so it cannot come back as a ghost.
    await recorder.next(`${base}/late.a/state`, (p) => p === "", { since: removedAt });
  });

  it("says offline before the machine sleeps and online with everything after it wakes", async () => {
    const { store, recorder, base } = await bridgeOn();
    store.define({ id: "presence.suspending", kind: "binary_sensor", name: "Suspending" });
    store.set("presence.suspending", false);
    const since = now();
    store.set("presence.suspending", true);
    await recorder.next(`${base}/availability`, (p) => p === "offline", { since });
    const asleep = now();
    store.set("presence.idle", true);
    await new Promise((r) => setTimeout(r, 200));
    expect(
      recorder.messages.filter((m) => m.topic === `${base}/presence.idle/state` && m.at >= asleep),
    ).toEqual([]);
    store.set("presence.suspending", false);
    await recorder.next(`${base}/availability`, (p) => p === "online", { since: asleep });
    await recorder.next(`${base}/presence.idle/state`, (p) => p === "ON", { since: asleep });
  });

  it("says offline itself on a clean stop", async () => {
    const { bridge, recorder, base } = await bridgeOn();
    const since = now();
    await bridge.stop();
    await recorder.next(`${base}/availability`, (p) => p === "offline", { since });
    const late = await record(broker.url, [`${base}/availability`]);
    open.push(late);
    expect((await late.next(`${base}/availability`)).payload).toBe("offline");
  });

  it("republishes discovery, availability and states within 5 s after the broker restarts", async () => {
    const { recorder, discoveryTopic, base, nodeId } = await bridgeOn();
    await broker.restart();
    const restarted = now();
    // Nothing survives the restart (persistence is off): all of it is published anew.
    const back = await recorder.next(discoveryTopic, () => true, { since: restarted, timeout: 5_000 });
    expect(discoveryProblems(discoveryTopic, JSON.parse(back.payload), nodeId)).toEqual([]);
    await recorder.next(`${base}/availability`, (p) => p === "online", { since: restarted, timeout: 5_000 });
    await recorder.next(`${base}/presence.idle_seconds/state`, (p) => p === "42", {
      since: restarted,
      timeout: 5_000,
    });
  });

  it("deletes, after a restart, the components the previous run had and this one does not", async () => {
    const nodeId = `node${++nodes}`;
    const base = `deskhub/${nodeId}`;
    const discoveryTopic = `homeassistant/device/${nodeId}/config`;
    const dir = mkdtempSync(join(tmpdir(), "deskhub-announced-"));
    const announcedFile = join(dir, `homeassistant-${nodeId}.json`);
    const recorder = await record(broker.url, [discoveryTopic, `${base}/#`, "other/device/+/config"]);
    open.push(recorder, { close: async () => rmSync(dir, { recursive: true, force: true }) });
    const ran: Store[] = [];
    const run = async (options: { withDisk: boolean; discoveryPrefix?: string }) => {
      const { store } = desktopStore(nodeId);
      if (options.withDisk) {
        store.define({ id: "presence.disk_home", kind: "sensor", name: "Disk /home", unit: "%" });
        store.set("presence.disk_home", 61.5);
      } else {
        store.remove("desk.reboot");
        // The daemon's health entity of the module that had the reboot button: starting.
        store.define({ id: "desk.health", kind: "sensor", name: "desk health", category: "diagnostic" });
        store.set("desk.health", "starting");
      }
      ran.push(store);
      const bridge = makeBridge(store, broker.url, captureLog().log, {
        nodeId,
        announcedFile,
        topics: makeTopics({
          baseTopic: "deskhub",
          discoveryPrefix: options.discoveryPrefix ?? "homeassistant",
          statusTopic: "homeassistant/status",
          nodeId,
        }),
      });
      const since = now();
      await bridge.start();
      return { bridge, since };
    };

    // The first run has a /home disk sensor and a reboot button; the file remembers both.
    const first = await run({ withDisk: true });
    await recorder.next(`${base}/presence.disk_home/state`, (p) => p === "61.5", { since: first.since });
    await waitFor(() => JSON.parse(readFileSync(announcedFile, "utf8")).components.presence_disk_home);
    await first.bridge.stop();

    // The next run (config changed while the machine was off) has neither.
    const second = await run({ withDisk: false });
    open.push(second.bridge);
    const deleting = await recorder.next(
      discoveryTopic,
      (p) => JSON.stringify(JSON.parse(p).cmps.presence_disk_home) === '{"p":"sensor"}',
      { since: second.since },
    );
    // The reboot button's module is still starting: it may yet define it, and deleting
    // it would make Home Assistant forget the user's name and area for it.
    expect(JSON.parse(deleting.payload).cmps.desk_reboot).toBeUndefined();
    // ...then the device as it is now, without them, as the documentation asks.
    const full = await recorder.next(discoveryTopic, (p) => !("presence_disk_home" in JSON.parse(p).cmps), {
      since: deleting.at,
    });
    expect(discoveryProblems(discoveryTopic, JSON.parse(full.payload), nodeId)).toEqual([]);
    expect(JSON.parse(full.payload).cmps.presence_idle).toMatchObject({ p: "binary_sensor" });
    // Its retained state and attributes are emptied (deleted at the broker) too.
    await recorder.next(`${base}/presence.disk_home/state`, (p) => p === "", { since: second.since });
    await recorder.next(`${base}/presence.disk_home/attributes`, (p) => p === "", { since: second.since });
    await waitFor(() => !JSON.parse(readFileSync(announcedFile, "utf8")).components.presence_disk_home);
    expect(JSON.parse(readFileSync(announcedFile, "utf8")).components.desk_reboot).toBeDefined();

    // Once its module runs without it, the button is gone for good.
    const settled = now();
    ran.at(-1)!.set("desk.health", "running");
    await recorder.next(
      discoveryTopic,
      (p) => JSON.stringify(JSON.parse(p).cmps.desk_reboot) === '{"p":"button"}',
      { since: settled },
    );
    await waitFor(() => !JSON.parse(readFileSync(announcedFile, "utf8")).components.desk_reboot);
  });

  it("empties its old discovery topic when the discovery prefix changed", async () => {
    const nodeId = `node${++nodes}`;
    const dir = mkdtempSync(join(tmpdir(), "deskhub-announced-"));
    const announcedFile = join(dir, `homeassistant-${nodeId}.json`);
    const oldTopic = `homeassistant/device/${nodeId}/config`;
    const newTopic = `other/device/${nodeId}/config`;
    const recorder = await record(broker.url, [oldTopic, newTopic]);
    open.push(recorder, { close: async () => rmSync(dir, { recursive: true, force: true }) });
    const bridgeWith = (discoveryPrefix: string) =>
      makeBridge(desktopStore(nodeId).store, broker.url, captureLog().log, {
        nodeId,
        announcedFile,
        topics: makeTopics({
          baseTopic: "deskhub",
          discoveryPrefix,
          statusTopic: "homeassistant/status",
          nodeId,
        }),
      });
    const first = bridgeWith("homeassistant");
    await first.start();
    await recorder.next(oldTopic, (p) => p !== "");
    await waitFor(() => JSON.parse(readFileSync(announcedFile, "utf8")).discovery_topic === oldTopic);
    await first.stop();
    const since = now();
    const second = bridgeWith("other");
    open.push(second);
    await second.start();
    await recorder.next(newTopic, (p) => p !== "", { since });
    // An empty config is how Home Assistant is told a device is gone.
    await recorder.next(oldTopic, (p) => p === "", { since });
  });

  it("does not run a retained command the broker replays on connect, but runs the next one sent", async () => {
    const nodeId = `node${++nodes}`;
    const base = `deskhub/${nodeId}`;
    const { store, ran } = desktopStore(nodeId);
    const { log, lines } = captureLog();
    const sender = await record(broker.url, [`${base}/availability`]);
    open.push(sender, { close: () => sender.publish(`${base}/desk.reboot/set`, "", { retain: true }) });
    // Someone's automation published the button press with retain.
    await sender.publish(`${base}/desk.reboot/set`, "PRESS", { retain: true });
    const bridge = makeBridge(store, broker.url, log, { nodeId });
    open.push(bridge);
    await bridge.start();
    await waitFor(() => lines().find((l) => l.msg === "refused a command from MQTT"), {
      what: "the replayed command refused",
    });
    expect(lines().find((l) => l.msg === "refused a command from MQTT")).toMatchObject({
      topic: `${base}/desk.reboot/set`,
      reason: expect.stringContaining("retained"),
    });
    expect(ran).toEqual([]);
    await sender.publish(`${base}/desk.reboot/set`, "PRESS");
    await waitFor(() => ran.length === 1, { what: "the live press to run" });
    expect(ran[0]).toMatchObject({ command: "desk.reboot", source: "homeassistant" });
  });
});
