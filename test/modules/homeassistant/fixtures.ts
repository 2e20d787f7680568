import { z } from "zod";
import type { Logger } from "../../../src/core/log.ts";
import { Store } from "../../../src/core/store.ts";
import { Exposure } from "../../../src/modules/homeassistant/discovery/exposure.ts";
import { type BridgeOptions, MqttBridge } from "../../../src/modules/homeassistant/mqtt/bridge.ts";
import { makeTopics } from "../../../src/modules/homeassistant/mqtt/topics.ts";
import { LOCAL_COMMANDS } from "../../../src/modules/homeassistant/service.ts";

export interface Ran {
  command: string;
  args: unknown;
  source: string;
}

/**
 * A store such as several modules would fill: every entity kind, a diagnostic, a
 * command-driven select, commands of each argument shape. Each command records its runs.
 */
export function desktopStore(deviceName = "testhost"): { store: Store; ran: Ran[] } {
  const store = new Store();
  const ran: Ran[] = [];
  const recorder =
    (command: string, after?: (args: Record<string, unknown>) => void) =>
    (args: unknown, meta: { source: string }) => {
      ran.push({ command, args, source: meta.source });
      after?.(args as Record<string, unknown>);
    };
  store.define({
    id: "presence.idle",
    kind: "binary_sensor",
    name: "Idle",
    expireAfter: 300,
    icon: "mdi:sleep",
  });
  store.define({
    id: "presence.idle_seconds",
    kind: "sensor",
    name: "Idle time",
    unit: "s",
    deviceClass: "duration",
    stateClass: "measurement",
    expireAfter: 300,
  });
  store.define({ id: "presence.backend", kind: "sensor", name: "Idle source", category: "diagnostic" });
  store.define({
    id: "presence.override",
    kind: "select",
    name: "Office override",
    options: ["auto", "on", "off"],
    command: "presence.set_override",
  });
  store.define({
    id: "desk.fan",
    kind: "switch",
    name: "Desk fan",
    command: "desk.set_fan",
    deviceClass: "outlet",
  });
  store.define({
    id: "desk.brightness",
    kind: "number",
    name: "Screen brightness",
    unit: "%",
    min: 0,
    max: 100,
    step: 5,
    command: "desk.set_brightness",
  });
  store.define({ id: "desk.motd", kind: "text", name: "Message of the day", command: "desk.set_motd" });
  store.define({
    id: "desk.reboot",
    kind: "button",
    name: "Reboot",
    command: "desk.reboot",
    deviceClass: "restart",
  });
  store.define({
    id: "desk.uptime",
    kind: "sensor",
    name: `${deviceName} Uptime`,
    unit: "s",
    deviceClass: "duration",
  });
  store.define({ id: "desk.config_mode", kind: "sensor", name: "Config mode", category: "config" });

  store.command({
    id: "presence.set_override",
    summary: "Set the office override",
    args: z.object({ value: z.enum(["auto", "on", "off"]) }),
    handler: recorder("presence.set_override", (a) => store.set("presence.override", a.value as string)),
  });
  store.command({
    id: "desk.set_fan",
    summary: "Switch the desk fan",
    args: z.object({ value: z.boolean() }),
    handler: recorder("desk.set_fan", (a) => store.set("desk.fan", a.value as boolean)),
  });
  store.command({
    id: "desk.set_brightness",
    summary: "Set the screen brightness",
    args: z.object({ value: z.number().min(0).max(100) }),
    handler: recorder("desk.set_brightness", (a) => store.set("desk.brightness", a.value as number)),
  });
  store.command({
    id: "desk.set_motd",
    summary: "Set the message of the day",
    args: z.object({ value: z.string() }),
    handler: recorder("desk.set_motd", (a) => store.set("desk.motd", a.value as string)),
  });
  store.command({
    id: "desk.reboot",
    summary: "Reboot",
    args: z.object({}),
    handler: recorder("desk.reboot"),
  });
  store.command({
    id: "presence.lock",
    summary: "Lock the screen.",
    args: z.object({}),
    handler: recorder("presence.lock"),
  });
  store.command({
    id: "presence.notify",
    summary: "Show a notification",
    args: z.object({
      text: z.string().min(1),
      urgency: z.enum(["low", "normal", "critical"]).default("normal"),
    }),
    handler: recorder("presence.notify"),
  });
  store.command({
    id: "desk.move",
    summary: "Move a window",
    args: z.object({ window: z.string(), x: z.number(), y: z.number() }),
    handler: recorder("desk.move"),
  });
  store.command({
    id: "desk.mode",
    summary: "Switch the desk mode",
    args: z.object({ mode: z.enum(["work", "play"]), reason: z.string().optional() }),
    handler: recorder("desk.mode"),
  });
  store.command({
    id: "secret.wipe",
    summary: "Wipe the disk",
    args: z.object({}),
    handler: recorder("secret.wipe"),
  });
  store.command({
    id: "homeassistant.call",
    summary: "Call a Home Assistant service",
    args: z.object({ service: z.string() }),
    handler: recorder("homeassistant.call"),
  });

  store.set("presence.idle", false);
  store.set("presence.idle_seconds", 42, { source: "mutter" });
  store.set("presence.backend", "org.gnome.Mutter.IdleMonitor");
  store.set("presence.override", "auto");
  store.set("desk.fan", false);
  store.set("desk.brightness", 70);
  store.set("desk.motd", "hello");
  store.set("desk.uptime", 3600);
  return { store, ran };
}

export const TEST_VERSION = "9.9.9-test";

export function makeBridge(
  store: Store,
  url: string,
  log: Logger,
  overrides: Partial<BridgeOptions> & { nodeId?: string } = {},
): MqttBridge {
  const nodeId = overrides.nodeId ?? "testhost";
  return new MqttBridge({
    store,
    log,
    exposure: new Exposure(["secret.*"], LOCAL_COMMANDS),
    device: { nodeId, name: nodeId, version: TEST_VERSION, supportUrl: "https://example.org/deskhub" },
    topics: makeTopics({
      baseTopic: "deskhub",
      discoveryPrefix: "homeassistant",
      statusTopic: "homeassistant/status",
      nodeId,
    }),
    url,
    keepaliveSeconds: 10,
    reconnectPeriodMs: 300,
    heartbeatMs: 60_000,
    debounceMs: 100,
    birthDelayMs: 0,
    retainDiscovery: true,
    suspendEntity: "presence.suspending",
    ...overrides,
  });
}
