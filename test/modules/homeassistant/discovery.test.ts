import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Store } from "../../../src/core/store.ts";
import { entityName, platformOf } from "../../../src/modules/homeassistant/discovery/components.ts";
import { commandStyle, Exposure } from "../../../src/modules/homeassistant/discovery/exposure.ts";
import { buildDevicePayload } from "../../../src/modules/homeassistant/discovery/payload.ts";
import { entityCommandArgs } from "../../../src/modules/homeassistant/mqtt/command-payload.ts";
import { statePayload } from "../../../src/modules/homeassistant/mqtt/state-payload.ts";
import { makeTopics } from "../../../src/modules/homeassistant/mqtt/topics.ts";
import { LOCAL_COMMANDS } from "../../../src/modules/homeassistant/service.ts";
import { desktopStore } from "./fixtures.ts";
import { discoveryProblems } from "./ha-discovery-rules.ts";

const topics = makeTopics({
  baseTopic: "deskhub",
  discoveryPrefix: "homeassistant",
  statusTopic: "homeassistant/status",
  nodeId: "desk-1",
});
const device = { nodeId: "desk-1", name: "desk-1", version: "1.2.3" };

function payloadFor(store: Store, exclude: string[] = []) {
  return buildDevicePayload({ store, exposure: new Exposure(exclude, LOCAL_COMMANDS), device, topics });
}

describe("the discovery rules checker", () => {
  const DELETE = Symbol("delete");

  function spoil(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
    let node = root;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
    const last = path.at(-1)!;
    if (value === DELETE) delete node[last];
    else node[last] = value;
  }

  // The checker is what the bridge's payloads are judged by; it must catch real mistakes.
  it("accepts the bridge's payload and rejects each documented mistake", () => {
    const good = () =>
      JSON.parse(JSON.stringify(payloadFor(desktopStore("desk-1").store))) as Record<string, unknown>;
    expect(discoveryProblems(topics.discovery, good(), "desk-1")).toEqual([]);
    const cases: Array<[string, string[], unknown, RegExp]> = [
      ["object_id", ["cmps", "presence_idle", "obj_id"], "x", /object_id is deprecated/],
      [
        "unknown abbreviation",
        ["cmps", "presence_idle", "stat_topic"],
        "x",
        /stat_topic is not a documented/,
      ],
      ["switch without command topic", ["cmps", "desk_fan", "cmd_t"], DELETE, /switch requires cmd_t/],
      ["select without options", ["cmps", "presence_override", "ops"], DELETE, /select requires ops/],
      ["duplicate unique id", ["cmps", "desk_fan", "uniq_id"], "deskhub_desk-1_presence_idle", /used twice/],
      [
        "config sensor",
        ["cmps", "presence_backend", "ent_cat"],
        "config",
        /cannot be in the config category/,
      ],
      [
        "device name in entity name",
        ["cmps", "presence_idle", "name"],
        "desk-1 Idle",
        /starts with the device/,
      ],
      ["no origin", ["o"], DELETE, /origin \(o\) is missing/],
      ["no device ids", ["dev", "ids"], DELETE, /identifiers/],
      ["wrong default entity id", ["cmps", "desk_fan", "def_ent_id"], "sensor.desk_fan", /default_entity_id/],
      ["wildcard", ["cmps", "desk_fan", "cmd_t"], "deskhub/+/set", /wildcard/],
      ["no unique id", ["cmps", "desk_fan", "uniq_id"], DELETE, /unique_id/],
      [
        "bad expire_after",
        ["cmps", "presence_idle", "exp_aft"],
        0,
        /expire_after must be a positive integer/,
      ],
    ];
    for (const [what, path, value, problem] of cases) {
      const payload = good();
      spoil(payload, path, value);
      expect(discoveryProblems(topics.discovery, payload, "desk-1").join("\n"), what).toMatch(problem);
    }
  });
});

describe("mapping the store to Home Assistant components", () => {
  it("shows a controllable kind without a command read-only, and leaves out a button that does nothing", () => {
    expect(platformOf({ kind: "switch" })).toBe("binary_sensor");
    expect(platformOf({ kind: "select" })).toBe("sensor");
    expect(platformOf({ kind: "number" })).toBe("sensor");
    expect(platformOf({ kind: "button" })).toBeUndefined();
    expect(platformOf({ kind: "switch", command: "x.y" })).toBe("switch");
    const store = new Store();
    store.define({ id: "media.mode", kind: "select", name: "Mode", options: ["tv", "radio"] });
    store.define({ id: "media.dead", kind: "button", name: "Does nothing" });
    const { cmps } = payloadFor(store);
    expect(cmps.media_mode).toMatchObject({ p: "sensor", dev_cla: "enum", ops: ["tv", "radio"] });
    expect(cmps.media_mode?.cmd_t).toBeUndefined();
    expect(cmps.media_dead).toBeUndefined();
  });

  it("keeps the device name out of entity names, as Home Assistant adds it", () => {
    expect(entityName("desk-1 Idle", "desk-1")).toBe("Idle");
    expect(entityName("Desk-1: idle time", "desk-1")).toBe("Idle time");
    expect(entityName("desk-1", "desk-1")).toBeNull();
    expect(entityName("Idle", "desk-1")).toBe("Idle");
  });

  it("offers commands by their arguments: none is a button, one choice a select, one string a text, else JSON", () => {
    const def = (args: z.ZodType) => ({ id: "a.b", summary: "s", args, handler: () => {} });
    expect(commandStyle(def(z.object({})))).toEqual({ style: "button" });
    expect(commandStyle(def(z.object({ force: z.boolean().default(false) })))).toEqual({ style: "button" });
    expect(commandStyle(def(z.object({ text: z.string(), title: z.string().optional() })))).toEqual({
      style: "text",
      field: "text",
    });
    const choice = z.object({ state: z.enum(["idle", "active"]), idle_for: z.number().optional() });
    expect(commandStyle(def(choice))).toEqual({
      style: "select",
      field: "state",
      options: ["idle", "active"],
    });
    expect(commandStyle(def(z.object({ x: z.number() })))).toEqual({ style: "json" });
    expect(commandStyle(def(z.object({ a: z.string(), b: z.string() })))).toEqual({ style: "json" });
  });

  it("leaves out excluded ids and whole modules, and the commands only the CLI may use", () => {
    const { store } = desktopStore("desk-1");
    const { cmps } = payloadFor(store, ["desk.*", "presence.backend"]);
    expect(Object.keys(cmps).filter((k) => k.startsWith("desk_"))).toEqual([]);
    expect(cmps.presence_backend).toBeUndefined();
    expect(cmps.presence_idle).toBeDefined();
    expect(cmps.homeassistant_call_command).toBeUndefined();
    // The select drives presence.set_override; that command is not offered twice.
    expect(cmps.presence_set_override_command).toBeUndefined();
  });

  it("writes states the way each Home Assistant platform reads them", () => {
    expect(statePayload("binary_sensor", true)).toBe("ON");
    expect(statePayload("binary_sensor", "off")).toBe("OFF");
    expect(statePayload("switch", "on")).toBe("ON");
    expect(statePayload("binary_sensor", null)).toBe("None");
    expect(statePayload("sensor", 12.5)).toBe("12.5");
    expect(statePayload("sensor", null)).toBe("None");
    expect(statePayload("text", null)).toBe("");
    expect(statePayload("select", "auto")).toBe("auto");
    // A window title can be longer than the 255 characters Home Assistant takes.
    expect(statePayload("sensor", "é".repeat(300))).toBe("é".repeat(255));
  });

  it("reads command payloads strictly", () => {
    const store = new Store();
    const number = store.define({
      id: "a.level",
      kind: "number",
      name: "Level",
      min: 0,
      max: 10,
      command: "a.set",
    });
    expect(entityCommandArgs(number, "number", " 7.5 ")).toEqual({ ok: true, args: { value: 7.5 } });
    expect(entityCommandArgs(number, "number", "11").ok).toBe(false);
    expect(entityCommandArgs(number, "number", "").ok).toBe(false);
    expect(entityCommandArgs(number, "switch", "on")).toEqual({ ok: true, args: { value: true } });
    expect(entityCommandArgs(number, "switch", "yes").ok).toBe(false);
  });
});
