import type { ModuleContext } from "../../core/module.ts";
import { DesktopBuses } from "../../desktop/dbus.ts";
import { probeMicrophone } from "../../desktop/devices/microphone.ts";
import { probeWebcam } from "../../desktop/devices/webcam.ts";
import { HookIdle } from "../../desktop/idle/hooks.ts";
import { probeIdle } from "../../desktop/idle/monitor.ts";
import { activeWindow, LockWatcher, windowBackend } from "../../desktop/session-actions.ts";
import type { PresenceConfig } from "./config.ts";
import { hookFile } from "./files.ts";
import { loadOverride } from "./override.ts";
import { evaluate, type Signals } from "./rule.ts";
import { connectedMonitors, matchMonitor } from "./signals/monitors.ts";
import { matchNetwork } from "./signals/network.ts";
import { readCpuTimes } from "./system/cpu.ts";
import { readSystem } from "./system/snapshot.ts";

/** CPU use needs two samples; this is the gap `presence status` waits between them. */
const CPU_SAMPLE_MS = 250;

/** Every signal, looked at once, without the daemon: what `deskhub presence status` prints. */
export async function probeAll(ctx: Pick<ModuleContext, "env" | "paths">, config: PresenceConfig) {
  const env = ctx.env;
  const buses = new DesktopBuses(env);
  try {
    const cpuBefore = await readCpuTimes();
    const cpuWait = new Promise((resolve) => setTimeout(resolve, CPU_SAMPLE_MS));
    const rule = config.in_office;
    const [idle, webcam, microphone, lock, network, monitors, override, window] = await Promise.all([
      probeIdle({
        env,
        buses,
        backend: config.idle.backend,
        thresholdMs: config.idle.threshold * 1000,
        hooks: new HookIdle({ file: hookFile(ctx.paths) }),
      }),
      config.webcam.enabled
        ? probeWebcam({ devices: config.webcam.devices, ignore: config.webcam.ignore_processes })
        : undefined,
      config.microphone.enabled
        ? probeMicrophone({
            env,
            backend: config.microphone.backend,
            ignore: config.microphone.ignore_applications,
          })
        : undefined,
      new LockWatcher({ env, buses, onChange: () => {} }).probe(),
      matchNetwork({ gateways: rule.gateways, ssids: rule.ssids, env }),
      connectedMonitors(),
      loadOverride(ctx.paths),
      config.system.active_window ? probeWindow(env) : undefined,
    ]);
    await cpuWait;
    const system = await readSystem({ disks: config.system.disks, previousCpu: cpuBefore });

    const signals: Signals = {
      active: idle.idle === undefined ? undefined : !idle.idle,
      webcam: webcam?.inUse,
      microphone: microphone?.available ? microphone.inUse : undefined,
      unlocked: lock.locked === undefined ? undefined : !lock.locked,
      ...(rule.gateways.length || rule.ssids.length ? { network: network.matched } : {}),
      ...(rule.monitors.length ? { monitor: matchMonitor(monitors, rule.monitors) !== undefined } : {}),
    };
    const verdict = evaluate(rule, signals, override);
    return {
      in_office: {
        value: verdict.inOffice,
        rule_says: verdict.auto,
        override: verdict.override,
        reason: verdict.reason,
        rule: { all: rule.all, any: rule.any },
        signals,
      },
      idle: {
        value: idle.idle ?? null,
        idle_seconds: idle.idleSeconds ?? null,
        threshold_seconds: config.idle.threshold,
        backend: idle.backend,
        skipped: idle.tried,
      },
      webcam: webcam
        ? {
            value: webcam.inUse,
            processes: webcam.holders,
            devices: webcam.devices,
            ignored: webcam.ignored,
            backend: webcam.devices.length ? "proc scan" : "no camera",
          }
        : { value: null, backend: "disabled" },
      microphone: microphone
        ? {
            value: microphone.available ? microphone.inUse : null,
            applications: microphone.users,
            backend: microphone.available ? microphone.backend : "unavailable",
            ...(microphone.reason ? { reason: microphone.reason } : {}),
          }
        : { value: null, backend: "disabled" },
      locked: {
        value: lock.locked ?? null,
        backend: lock.backend,
        ...(lock.reason ? { reason: lock.reason } : {}),
      },
      network: {
        online: system.online.online,
        gateway: network.gateway ?? null,
        ssid: network.ssid ?? null,
        office: rule.gateways.length || rule.ssids.length ? network.matched : null,
        ...(network.by ? { matched_by: network.by } : {}),
      },
      monitors,
      system: {
        cpu_percent: system.cpuPercent === undefined ? null : Math.round(system.cpuPercent * 10) / 10,
        memory_percent: Math.round(system.memory.percent * 10) / 10,
        disks: system.disks,
        load: system.load,
        uptime_seconds: Math.floor(system.uptime),
        batteries: system.batteries,
      },
      active_window: window ?? { value: null, backend: "disabled" },
    };
  } finally {
    await buses.close();
  }
}

async function probeWindow(env: NodeJS.ProcessEnv) {
  const { backend, reason } = await windowBackend(env);
  if (backend === "none") return { value: null, backend: `none: ${reason}` };
  try {
    const window = await activeWindow(env, backend);
    return { value: window?.title ?? null, ...(window ?? {}), backend };
  } catch (error) {
    return { value: null, backend, error: (error as Error).message };
  }
}

export type PresenceReport = Awaited<ReturnType<typeof probeAll>>;
