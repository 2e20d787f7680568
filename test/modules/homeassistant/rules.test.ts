import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Store } from "../../../src/core/store.ts";
import { Rule, type ServiceCall } from "../../../src/modules/homeassistant/config.ts";
import { HassLink } from "../../../src/modules/homeassistant/hass/link.ts";
import { RuleEngine } from "../../../src/modules/homeassistant/rules/engine.ts";
import {
  type FakeHomeAssistant,
  startFakeHomeAssistant,
} from "../../fixtures/homeassistant/fake-home-assistant.ts";
import { waitFor } from "../../helpers/sandbox.ts";
import { captureLog, FakeClock } from "./support.ts";

const MINUTE = 60_000;

/** The two rules, written as a user would in config.yaml. */
const officeRules = [
  Rule.parse({
    name: "office_lights_off",
    when: { entity: "presence.idle", is: "on", for: "10m" },
    unless: [{ entity: "presence.override", is: "on" }],
    call: { service: "light.turn_off", target: { entity_id: "light.office" } },
  }),
  Rule.parse({
    name: "office_scene",
    when: { entity: "presence.idle", is: "off", from: "on" },
    call: { service: "scene.turn_on", target: { entity_id: "scene.office" } },
  }),
];

function presenceStore(idle: boolean): Store {
  const store = new Store();
  store.define({ id: "presence.idle", kind: "binary_sensor", name: "Idle" });
  store.define({ id: "presence.override", kind: "select", name: "Override", options: ["auto", "on", "off"] });
  store.set("presence.idle", idle);
  store.set("presence.override", "auto");
  return store;
}

interface Harness {
  engine: RuleEngine;
  clock: FakeClock;
  calls: ServiceCall[];
  log: () => Array<Record<string, unknown>>;
  problems: Array<[string, string | undefined]>;
}

const engines: RuleEngine[] = [];
afterEach(() => {
  for (const engine of engines.splice(0)) engine.stop();
});

function harness(
  store: Store,
  rules: Rule[],
  call: (c: ServiceCall) => Promise<unknown> = async () => {},
  external?: ConstructorParameters<typeof RuleEngine>[0]["external"],
): Harness {
  const clock = new FakeClock();
  const calls: ServiceCall[] = [];
  const problems: Array<[string, string | undefined]> = [];
  const { log, lines } = captureLog();
  const engine = new RuleEngine({
    rules,
    store,
    clock,
    log,
    external,
    call: (c) => {
      calls.push(c);
      return call(c);
    },
    retry: { attempts: 4, delayMs: 5_000, maxDelayMs: 12_000 },
    onProblem: (rule, message) => problems.push([rule, message]),
  });
  engines.push(engine);
  engine.start();
  return { engine, clock, calls, log: lines, problems };
}

describe("rules with a controlled clock", () => {
  it("turns the lights off after 10 minutes idle, once, and not before", async () => {
    const store = presenceStore(false);
    const { engine, clock, calls } = harness(store, officeRules);
    store.set("presence.idle", true);
    clock.advance(9 * MINUTE + 59_000);
    expect(calls).toEqual([]);
    clock.advance(1_000);
    await engine.settled();
    expect(calls).toEqual([{ service: "light.turn_off", target: { entity_id: "light.office" } }]);
    clock.advance(60 * MINUTE);
    expect(calls).toHaveLength(1);
    const entity = store.get("homeassistant.rule_office_lights_off")!;
    expect(entity.kind).toBe("sensor");
    expect(entity.deviceClass).toBe("timestamp");
    expect(entity.state?.value).toBe(new Date(clock.now() - 60 * MINUTE).toISOString());
    expect(entity.state?.attributes).toMatchObject({ status: "ok", attempts: 1, service: "light.turn_off" });
  });

  it("starts the 10 minutes again when the user comes back in between", async () => {
    const store = presenceStore(false);
    const { clock, calls } = harness(store, officeRules);
    store.set("presence.idle", true);
    clock.advance(8 * MINUTE);
    store.set("presence.idle", false);
    store.set("presence.idle", true);
    clock.advance(8 * MINUTE);
    expect(calls.filter((c) => c.service === "light.turn_off")).toEqual([]);
    clock.advance(2 * MINUTE);
    expect(calls.filter((c) => c.service === "light.turn_off")).toHaveLength(1);
  });

  it("does nothing while the override holds, and says so", async () => {
    const store = presenceStore(false);
    const { clock, calls, log } = harness(store, officeRules);
    store.set("presence.override", "on");
    store.set("presence.idle", true);
    clock.advance(10 * MINUTE);
    expect(calls).toEqual([]);
    expect(store.get("homeassistant.rule_office_lights_off")?.state).toMatchObject({
      value: null,
      attributes: { status: "skipped", reason: "unless presence.override is on" },
    });
    expect(log().some((l) => l.msg === "rule: skipped")).toBe(true);
  });

  it("turns the scene on when the user is active again, but not at start", async () => {
    const store = presenceStore(false);
    const { engine, calls } = harness(store, officeRules);
    expect(calls).toEqual([]);
    store.set("presence.idle", true);
    store.set("presence.idle", false);
    await engine.settled();
    expect(calls).toEqual([{ service: "scene.turn_on", target: { entity_id: "scene.office" } }]);
  });

  it("counts an idle desktop found at start toward the 10 minutes", async () => {
    const store = presenceStore(true);
    const { clock, calls } = harness(store, officeRules);
    clock.advance(10 * MINUTE);
    expect(calls.map((c) => c.service)).toEqual(["light.turn_off"]);
  });

  it("retries a failed call with backoff, then reports success", async () => {
    const store = presenceStore(false);
    let failures = 2;
    const { engine, clock, calls, problems } = harness(store, [officeRules[1]!], async () => {
      if (failures-- > 0) throw new Error("not connected to Home Assistant at http://ha.lan:8123");
    });
    store.set("presence.idle", true);
    store.set("presence.idle", false);
    await engine.settled();
    expect(store.get("homeassistant.rule_office_scene")?.state?.attributes).toMatchObject({
      status: "retrying",
      attempts: 1,
      error: "not connected to Home Assistant at http://ha.lan:8123",
      next_attempt: new Date(clock.now() + 5_000).toISOString(),
    });
    clock.advance(4_999);
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await engine.settled();
    expect(calls).toHaveLength(2);
    // Backoff doubles: the third attempt comes 10 s after the second.
    clock.advance(9_999);
    expect(calls).toHaveLength(2);
    clock.advance(1);
    await engine.settled();
    expect(calls).toHaveLength(3);
    expect(store.get("homeassistant.rule_office_scene")?.state?.attributes).toMatchObject({
      status: "ok",
      attempts: 3,
    });
    expect(problems.at(-1)).toEqual(["office_scene", undefined]);
  });

  it("reports a call that keeps failing instead of dropping it", async () => {
    const store = presenceStore(false);
    const { engine, clock, calls, problems, log } = harness(store, [officeRules[1]!], async () => {
      throw new Error("Service scene.turn_on not found.");
    });
    store.set("presence.idle", true);
    store.set("presence.idle", false);
    for (let i = 0; i < 5; i++) {
      await engine.settled();
      clock.advance(12_000);
    }
    await engine.settled();
    expect(calls).toHaveLength(4);
    expect(store.get("homeassistant.rule_office_scene")?.state?.attributes).toMatchObject({
      status: "failed",
      attempts: 4,
      error: "Service scene.turn_on not found.",
    });
    expect(problems.at(-1)?.[1]).toMatch(/office_scene: scene\.turn_on failed 4 times/);
    expect(log().some((l) => l.msg === "rule: call failed; giving up" && l.level === 50)).toBe(true);
  });

  it("stops retrying when the condition no longer holds", async () => {
    const store = presenceStore(false);
    const { engine, clock, calls } = harness(store, [officeRules[0]!], async () => {
      throw new Error("connection refused");
    });
    store.set("presence.idle", true);
    clock.advance(10 * MINUTE);
    await engine.settled();
    expect(calls).toHaveLength(1);
    // The user is back; turning the lights off now would be wrong.
    store.set("presence.idle", false);
    clock.advance(MINUTE);
    expect(calls).toHaveLength(1);
    expect(clock.pending()).toBe(0);
    expect(store.get("homeassistant.rule_office_lights_off")?.state?.attributes).toMatchObject({
      status: "cancelled",
    });
  });

  it("compares numbers with above and below", async () => {
    const store = new Store();
    store.define({ id: "system.cpu", kind: "sensor", name: "CPU", unit: "%" });
    store.set("system.cpu", 10);
    const rule = Rule.parse({
      name: "busy",
      when: { entity: "system.cpu", above: 90, for: "30s" },
      call: {
        service: "light.turn_on",
        target: { entity_id: "light.office" },
        data: { rgb_color: [255, 0, 0] },
      },
    });
    const { clock, calls } = harness(store, [rule]);
    store.set("system.cpu", 95);
    clock.advance(20_000);
    store.set("system.cpu", 97);
    clock.advance(10_000);
    expect(calls).toEqual([rule.call]);
  });
});

describe("rules against a fake Home Assistant", () => {
  const TOKEN = "rules-test-token-0123456789";
  let hass: FakeHomeAssistant;
  let link: HassLink;

  beforeAll(async () => {
    hass = await startFakeHomeAssistant({ token: TOKEN });
    link = new HassLink({ server: hass.url, token: TOKEN, log: captureLog().log });
    link.start();
    await waitFor(() => link.connected && link.value("light.office") !== undefined);
  });
  afterAll(async () => {
    await link.stop();
    await hass.stop();
  });

  it("switches the office light off through the WebSocket API after 10 idle minutes", async () => {
    const store = presenceStore(false);
    const { engine, clock } = harness(store, officeRules, (c) => link.callService(c), link);
    store.set("presence.idle", true);
    clock.advance(10 * MINUTE);
    await engine.settled();
    expect(hass.state("light.office")?.state).toBe("off");
    store.set("presence.idle", false);
    await engine.settled();
    await waitFor(() => hass.state("light.office")?.state === "on");
    expect(hass.state("light.office")?.attributes).toMatchObject({
      brightness: 230,
      color_temp_kelvin: 4000,
    });
    expect(hass.calls.map((c) => `${c.via} ${c.domain}.${c.service} ${JSON.stringify(c.target)}`)).toEqual([
      'websocket light.turn_off {"entity_id":"light.office"}',
      'websocket scene.turn_on {"entity_id":"scene.office"}',
    ]);
  });

  it("tests Home Assistant's own entities in conditions", async () => {
    const store = presenceStore(false);
    const rule = Rule.parse({
      name: "door_light",
      when: { entity: "binary_sensor.front_door", is: "on" },
      unless: [{ entity: "input_boolean.guest_mode", is: "on" }],
      call: { service: "light.turn_on", target: { entity_id: "light.living_room" } },
    });
    const { engine } = harness(store, [rule], (c) => link.callService(c), link);
    hass.setState("binary_sensor.front_door", "on");
    await waitFor(() => hass.state("light.living_room")?.state === "on", { what: "the rule to fire" });
    await engine.settled();
    expect(store.get("homeassistant.rule_door_light")?.state?.attributes).toMatchObject({ status: "ok" });
  });
});
