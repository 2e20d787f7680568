import type { Store } from "../../../core/store.ts";
import type { Topics } from "../mqtt/topics.ts";
import { type Component, commandComponent, commandKey, entityComponent, entityKey } from "./components.ts";
import type { Exposure } from "./exposure.ts";

export interface DeviceInfo {
  nodeId: string;
  name: string;
  version: string;
  /** Where users of deskhub get help; Home Assistant logs it with every discovery. */
  supportUrl?: string;
  configurationUrl?: string;
}

/** Home Assistant's device-based discovery message: one device, every component in `cmps`. */
export interface DevicePayload {
  dev: { ids: string[]; name: string; mf: string; mdl: string; sw: string; cu?: string };
  o: { name: string; sw: string; url?: string };
  avty_t: string;
  qos: number;
  cmps: Record<string, Component>;
}

export function buildDevicePayload(options: {
  store: Store;
  exposure: Exposure;
  device: DeviceInfo;
  topics: Topics;
  /** Components removed since the last publish, sent as `{ p }` so Home Assistant deletes them. */
  removed?: ReadonlyMap<string, Component["p"]>;
}): DevicePayload {
  const { store, exposure, device, topics } = options;
  const ctx = { nodeId: device.nodeId, deviceName: device.name, topics };
  const cmps: Record<string, Component> = {};
  for (const [key, p] of options.removed ?? []) cmps[key] = { p };
  const keyed = [
    ...exposure.entities(store).map((entity) => entityComponent(entity, ctx)),
    ...exposure.commands(store).map((command) => commandComponent(command, ctx)),
  ];
  for (const item of keyed) if (item) cmps[item.key] = item.component;
  return {
    dev: {
      ids: [`deskhub_${device.nodeId}`],
      name: device.name,
      mf: "deskhub",
      mdl: "Linux desktop",
      sw: device.version,
      ...(device.configurationUrl ? { cu: device.configurationUrl } : {}),
    },
    o: { name: "deskhub", sw: device.version, ...(device.supportUrl ? { url: device.supportUrl } : {}) },
    avty_t: topics.availability,
    // Home Assistant publishes commands with this QoS and subscribes to states with it.
    qos: 1,
    cmps,
  };
}

/** Each component key with the deskhub entity or command id it stands for. */
export function componentIds(store: Store, exposure: Exposure): Map<string, string> {
  return new Map([
    ...exposure.entities(store).map((e): [string, string] => [entityKey(e.id), e.id]),
    ...exposure.commands(store).map((c): [string, string] => [commandKey(c.def.id), c.def.id]),
  ]);
}
