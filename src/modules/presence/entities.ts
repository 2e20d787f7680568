import type { EntityDef, Store } from "../../core/store.ts";
import { OVERRIDES } from "./config.ts";
import { diskEntityId } from "./system/disk.ts";

/**
 * Entity ids. `presence.suspending` is the contract with the Home Assistant bridge: it
 * turns on at logind's PrepareForSleep(true), before the machine sleeps, and off on
 * wake-up; the bridge publishes offline while it is on, and its SLEEP_BARRIER command
 * resolves once the broker has that offline.
 */
export const ID = {
  idle: "presence.idle",
  idleSeconds: "presence.idle_seconds",
  idleBackend: "presence.idle_backend",
  webcam: "presence.webcam",
  webcamBackend: "presence.webcam_backend",
  microphone: "presence.microphone",
  microphoneBackend: "presence.microphone_backend",
  inOffice: "presence.in_office",
  override: "presence.override",
  locked: "presence.locked",
  lockBackend: "presence.lock_backend",
  suspending: "presence.suspending",
  sleepBackend: "presence.sleep_backend",
  online: "presence.online",
  uptime: "presence.uptime",
  cpu: "presence.cpu",
  memory: "presence.memory",
  load: "presence.load",
  battery: "presence.battery",
  batteryCharging: "presence.battery_charging",
  activeWindow: "presence.active_window",
  windowBackend: "presence.active_window_backend",
} as const;

/** The bridge's command that waits for what it queued (offline) to reach the broker. */
export const SLEEP_BARRIER = "homeassistant.flush";

export const COMMAND = {
  lock: "presence.lock",
  suspend: "presence.suspend",
  notify: "presence.notify",
  setOverride: "presence.set_override",
  idleHook: "presence.idle_hook",
} as const;

const backend = (id: string, name: string): EntityDef => ({
  id,
  kind: "sensor",
  name,
  category: "diagnostic",
  icon: "mdi:cog-outline",
});

/** The entities every presence daemon has; battery and disks depend on the machine. */
export function presenceEntities(options: { expireAfter: number; disks: readonly string[] }): EntityDef[] {
  const expireAfter = options.expireAfter > 0 ? options.expireAfter : undefined;
  return [
    { id: ID.idle, kind: "binary_sensor", name: "Idle", icon: "mdi:sleep", expireAfter },
    {
      id: ID.idleSeconds,
      kind: "sensor",
      name: "Idle time",
      unit: "s",
      deviceClass: "duration",
      stateClass: "measurement",
      icon: "mdi:timer-sand",
      expireAfter,
    },
    backend(ID.idleBackend, "Idle source"),
    { id: ID.webcam, kind: "binary_sensor", name: "Webcam", icon: "mdi:webcam", expireAfter },
    backend(ID.webcamBackend, "Webcam source"),
    { id: ID.microphone, kind: "binary_sensor", name: "Microphone", icon: "mdi:microphone", expireAfter },
    backend(ID.microphoneBackend, "Microphone source"),
    { id: ID.inOffice, kind: "binary_sensor", name: "In office", deviceClass: "occupancy", expireAfter },
    {
      id: ID.override,
      kind: "select",
      name: "In office override",
      options: OVERRIDES,
      command: COMMAND.setOverride,
      icon: "mdi:account-switch",
    },
    { id: ID.locked, kind: "binary_sensor", name: "Screen locked", icon: "mdi:monitor-lock", expireAfter },
    backend(ID.lockBackend, "Lock source"),
    {
      id: ID.suspending,
      kind: "binary_sensor",
      name: "Going to sleep",
      icon: "mdi:power-sleep",
      category: "diagnostic",
    },
    backend(ID.sleepBackend, "Sleep watch"),
    { id: ID.online, kind: "binary_sensor", name: "Online", deviceClass: "connectivity" },
    {
      id: ID.uptime,
      kind: "sensor",
      name: "Uptime",
      unit: "s",
      deviceClass: "duration",
      stateClass: "total_increasing",
      icon: "mdi:timer-outline",
      category: "diagnostic",
    },
    { id: ID.cpu, kind: "sensor", name: "CPU", unit: "%", stateClass: "measurement", icon: "mdi:cpu-64-bit" },
    {
      id: ID.memory,
      kind: "sensor",
      name: "Memory",
      unit: "%",
      stateClass: "measurement",
      icon: "mdi:memory",
    },
    { id: ID.load, kind: "sensor", name: "Load", stateClass: "measurement", icon: "mdi:gauge" },
    ...options.disks.map(
      (path): EntityDef => ({
        id: diskEntityId(path),
        kind: "sensor",
        name: path === "/" ? "Disk" : `Disk ${path}`,
        unit: "%",
        stateClass: "measurement",
        icon: "mdi:harddisk",
      }),
    ),
    { id: ID.activeWindow, kind: "sensor", name: "Active window", icon: "mdi:application-outline" },
    backend(ID.windowBackend, "Active window source"),
  ];
}

export const BATTERY_ENTITIES: EntityDef[] = [
  {
    id: ID.battery,
    kind: "sensor",
    name: "Battery",
    unit: "%",
    deviceClass: "battery",
    stateClass: "measurement",
  },
  {
    id: ID.batteryCharging,
    kind: "binary_sensor",
    name: "Battery charging",
    deviceClass: "battery_charging",
  },
];

export function defineAll(store: Store, defs: readonly EntityDef[]): void {
  for (const def of defs) store.define(def);
}
