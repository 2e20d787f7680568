import { z } from "zod";
import type { Service, ServiceContext } from "../../core/module.ts";
import { DesktopBuses } from "../../desktop/dbus.ts";
import { MicrophoneWatcher, type MicState } from "../../desktop/devices/microphone.ts";
import { type WebcamState, WebcamWatcher } from "../../desktop/devices/webcam.ts";
import { HookIdle } from "../../desktop/idle/hooks.ts";
import { IdleMonitor, type IdleStatus } from "../../desktop/idle/monitor.ts";
import { notify } from "../../desktop/notify.ts";
import { LockWatcher, lockScreen, SleepWatcher, suspendMachine } from "../../desktop/session-actions.ts";
import { OVERRIDES, type Override, type PresenceConfig } from "./config.ts";
import { BATTERY_ENTITIES, COMMAND, defineAll, ID, presenceEntities, SLEEP_BARRIER } from "./entities.ts";
import { hookFile } from "./files.ts";
import { loadOverride, saveOverride } from "./override.ts";
import { evaluate, type Signals } from "./rule.ts";
import { connectedMonitors, matchMonitor } from "./signals/monitors.ts";
import { matchNetwork } from "./signals/network.ts";
import type { CpuTimes } from "./system/cpu.ts";
import { diskEntityId } from "./system/disk.ts";
import { readSystem } from "./system/snapshot.ts";
import { WindowWatcher } from "./window.ts";

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Idle seconds move in 10 s steps: a user typing away reads 0 instead of 0, 1, 2, ...
 * on every poll, so Home Assistant is not sent a new value every two seconds.
 */
export function idleSecondsStep(seconds: number): number {
  return Math.floor(seconds / 10) * 10;
}

export class PresenceService implements Service {
  #ctx: ServiceContext;
  #config: PresenceConfig;
  #buses: DesktopBuses;
  #idle: IdleMonitor;
  #webcam: WebcamWatcher | undefined;
  #microphone: MicrophoneWatcher | undefined;
  #lock: LockWatcher;
  #sleep: SleepWatcher;
  #window: WindowWatcher | undefined;
  #timers: NodeJS.Timeout[] = [];
  #signals: Signals = {};
  #override: Override = "auto";
  #previousCpu: CpuTimes | undefined;
  #batteryDefined = false;
  #running = false;
  #health = "";
  #sleepWatched = false;
  #networkInfo: Record<string, unknown> | undefined;
  #monitorInfo: Record<string, unknown> | undefined;

  constructor(ctx: ServiceContext, config: PresenceConfig) {
    this.#ctx = ctx;
    this.#config = config;
    const env = ctx.env;
    this.#buses = new DesktopBuses(env);
    this.#idle = new IdleMonitor({
      env,
      buses: this.#buses,
      backend: config.idle.backend,
      thresholdMs: config.idle.threshold * 1000,
      pollMs: config.idle.poll_interval * 1000,
      hooks: new HookIdle({ file: hookFile(ctx.paths) }),
      log: ctx.log,
      onStatus: (status) => this.#onIdle(status),
    });
    if (config.webcam.enabled) {
      this.#webcam = new WebcamWatcher({
        devices: config.webcam.devices,
        ignore: config.webcam.ignore_processes,
        debounceMs: config.webcam.debounce * 1000,
        scanMs: config.webcam.scan_interval * 1000,
        env,
        log: ctx.log,
        onChange: (state) => this.#onWebcam(state),
      });
    }
    if (config.microphone.enabled) {
      this.#microphone = new MicrophoneWatcher({
        env,
        backend: config.microphone.backend,
        ignore: config.microphone.ignore_applications,
        pollMs: config.microphone.poll_interval * 1000,
        log: ctx.log,
        onChange: (state) => this.#onMicrophone(state),
      });
    }
    this.#lock = new LockWatcher({
      env,
      buses: this.#buses,
      onChange: (state) => {
        this.#set(ID.locked, state.locked ?? null);
        this.#set(ID.lockBackend, state.backend, state.reason ? { reason: state.reason } : {});
        this.#signals.unlocked = state.locked === undefined ? undefined : !state.locked;
        this.#recompute();
      },
    });
    this.#sleep = new SleepWatcher({
      env,
      buses: this.#buses,
      log: ctx.log,
      graceMs: config.actions.suspend_grace * 1000,
      onSleep: () => this.#onSleep(),
      onResume: () => this.#onResume(),
    });
    if (config.system.active_window) {
      this.#window = new WindowWatcher({
        env,
        pollMs: config.system.window_interval * 1000,
        log: ctx.log,
        onChange: ({ window, backend }) => {
          this.#set(ID.activeWindow, window ? window.title : null, window ? { ...window } : {});
          this.#set(ID.windowBackend, backend);
        },
      });
    }
  }

  async start(): Promise<void> {
    const { store } = this.#ctx;
    this.#running = true;
    defineAll(
      store,
      presenceEntities({ expireAfter: this.#config.expire_after, disks: this.#config.system.disks }),
    );
    this.#override = await loadOverride(this.#ctx.paths);
    store.set(ID.override, this.#override);
    store.set(ID.suspending, false);
    this.#registerCommands();
    if (!this.#webcam) this.#set(ID.webcamBackend, "disabled");
    if (!this.#microphone) this.#set(ID.microphoneBackend, "disabled");
    if (!this.#window) this.#set(ID.windowBackend, "disabled");

    await Promise.all([
      this.#part("idle", () => this.#idle.start()),
      this.#part("webcam", async () => this.#webcam?.start()),
      this.#part("microphone", async () => this.#microphone?.start()),
      this.#part("lock", () => this.#lock.start()),
      this.#part("sleep", async () => {
        try {
          await this.#sleep.start();
          this.#sleepWatched = true;
          this.#set(ID.sleepBackend, "logind", { inhibitor: this.#sleep.inhibitor });
        } catch (error) {
          this.#set(ID.sleepBackend, "unavailable", { reason: (error as Error).message });
        }
      }),
      this.#part("active window", async () => this.#window?.start()),
      this.#part("system", () => this.#systemTick()),
      this.#part("office signals", () => this.#officeTick()),
    ]);
    this.#every(this.#config.system.interval, () => this.#systemTick());
    if (this.#needsOfficeChecks())
      this.#every(this.#config.in_office.check_interval, () => this.#officeTick());
    this.#recompute();
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    await Promise.allSettled([
      this.#idle.stop(),
      this.#webcam?.stop(),
      this.#microphone?.stop(),
      this.#lock.stop(),
      this.#sleep.stop(),
      this.#window?.stop(),
    ]);
    await this.#buses.close();
  }

  async #part(name: string, start: () => Promise<unknown>): Promise<void> {
    try {
      await start();
    } catch (error) {
      // One desktop feature missing must not take the others down with it.
      this.#ctx.log.warn({ err: error, part: name }, `presence: ${name} is unavailable`);
    }
  }

  #every(seconds: number, task: () => Promise<void>): void {
    let busy = false;
    const timer = setInterval(async () => {
      if (busy || !this.#running) return;
      busy = true;
      try {
        await task();
      } catch (error) {
        this.#ctx.log.warn({ err: error }, "presence check failed");
      } finally {
        busy = false;
      }
    }, seconds * 1000);
    timer.unref();
    this.#timers.push(timer);
  }

  #set(id: string, value: string | number | boolean | null, attributes: Record<string, unknown> = {}): void {
    if (this.#running) this.#ctx.store.set(id, value, attributes);
  }

  #registerCommands(): void {
    const { store } = this.#ctx;
    const env = this.#ctx.env;
    store.command({
      id: COMMAND.lock,
      summary: "Lock the screen",
      args: z.object({}),
      handler: () => lockScreen({ env, buses: this.#buses, command: this.#config.actions.lock_command }),
    });
    store.command({
      id: COMMAND.suspend,
      summary: "Suspend the machine",
      args: z.object({}),
      handler: () =>
        suspendMachine({ env, buses: this.#buses, command: this.#config.actions.suspend_command }),
    });
    store.command({
      id: COMMAND.notify,
      summary: "Show a notification on the desktop",
      args: z.object({
        text: z.string().min(1).max(2000),
        title: z.string().min(1).max(200).optional(),
        urgency: z.enum(["low", "normal", "critical"]).optional(),
      }),
      handler: async (args) => {
        const { id } = await notify({
          summary: args.title ?? args.text,
          ...(args.title ? { body: args.text } : {}),
          urgency: args.urgency ?? "normal",
          appName: "deskhub",
          env,
        });
        return { id };
      },
    });
    store.command({
      id: COMMAND.setOverride,
      summary: "Force in-office on or off, or back to auto",
      args: z.object({ value: z.enum(OVERRIDES) }),
      handler: async ({ value }, { source }) => {
        await saveOverride(this.#ctx.paths, value);
        this.#override = value;
        this.#set(ID.override, value, { source });
        this.#recompute();
        this.#ctx.log.info({ override: value, source }, "in-office override set");
        return { override: value, in_office: this.#ctx.store.value(ID.inOffice) };
      },
    });
    store.command({
      id: COMMAND.idleHook,
      summary: "Report an idle crossing from an idle daemon's hook",
      args: z.object({
        state: z.enum(["idle", "active"]),
        /** Seconds the user has been idle already (the idle daemon's timeout). */
        idle_for: z.number().nonnegative().optional(),
      }),
      handler: async ({ state, idle_for }) => {
        await this.#idle.hook(state, (idle_for ?? 0) * 1000);
        return { state };
      },
    });
  }

  #onIdle(status: IdleStatus): void {
    this.#set(ID.idle, status.idle ?? null);
    this.#set(ID.idleSeconds, status.idleSeconds === undefined ? null : idleSecondsStep(status.idleSeconds));
    this.#set(ID.idleBackend, status.backend, { skipped: status.tried });
    this.#signals.active = status.idle === undefined ? undefined : !status.idle;
    const health =
      status.backend === "none" ? `no idle source works here: ${Object.values(status.tried).join("; ")}` : "";
    if (health !== this.#health) {
      this.#health = health;
      if (health) this.#ctx.health("degraded", health);
      else this.#ctx.health("ok");
    }
    this.#recompute();
  }

  #onWebcam(state: WebcamState): void {
    const describe = (h: { pid: number; name: string }) => `${h.name} (${h.pid})`;
    this.#set(ID.webcam, state.inUse, { processes: state.holders.map(describe), devices: state.devices });
    this.#set(ID.webcamBackend, state.devices.length ? "proc scan" : "no camera", {
      devices: state.devices,
      patterns: this.#config.webcam.devices,
      ignored: state.ignored.map(describe),
      trigger: this.#webcam?.trigger,
      unreadable_processes: state.unreadable,
      asleep: state.asleep,
    });
    this.#signals.webcam = state.inUse;
    this.#recompute();
  }

  #onMicrophone(state: MicState): void {
    this.#set(ID.microphone, state.available ? state.inUse : null, {
      applications: state.users.map((u) => (u.pid ? `${u.application} (${u.pid})` : u.application)),
    });
    this.#set(
      ID.microphoneBackend,
      state.available ? state.backend : "unavailable",
      state.reason ? { reason: state.reason } : {},
    );
    this.#signals.microphone = state.available ? state.inUse : undefined;
    this.#recompute();
  }

  /**
   * The sleep delay lock is let go when this returns, so it waits for the bridge (when
   * one runs) to have offline acknowledged by the broker; logind's own limit and the
   * watcher's cap still bound the wait.
   */
  async #onSleep(): Promise<void> {
    this.#set(ID.suspending, true);
    const { store, log } = this.#ctx;
    if (!store.commands().some((c) => c.id === SLEEP_BARRIER)) return;
    try {
      await store.run(SLEEP_BARRIER, {}, "daemon");
    } catch (error) {
      log.warn({ err: error }, "could not wait for Home Assistant to hear about the sleep");
    }
  }

  async #onResume(): Promise<void> {
    this.#set(ID.suspending, false);
    // Whatever was true before sleep is stale now; look again rather than wait a period.
    await Promise.allSettled([
      this.#webcam?.refresh(),
      this.#microphone?.refresh(),
      this.#systemTick(),
      this.#officeTick(),
    ]);
  }

  async #systemTick(): Promise<void> {
    const snapshot = await readSystem({ disks: this.#config.system.disks, previousCpu: this.#previousCpu });
    this.#previousCpu = snapshot.cpuTimes;
    const { online, memory, load } = snapshot;
    this.#set(ID.online, online.online, { routes: online.routes, ipv6: online.ipv6 });
    this.#set(ID.uptime, Math.floor(snapshot.uptime), {
      booted_at: new Date(Date.now() - snapshot.uptime * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
    });
    if (snapshot.cpuPercent !== undefined) this.#set(ID.cpu, round1(snapshot.cpuPercent));
    this.#set(ID.memory, round1(memory.percent), {
      total_mib: memory.totalMiB,
      available_mib: memory.availableMiB,
      ...(memory.swapPercent === undefined ? {} : { swap_percent: round1(memory.swapPercent) }),
    });
    this.#set(ID.load, load.load1, { load5: load.load5, load15: load.load15 });
    for (const disk of snapshot.disks) {
      if ("error" in disk) this.#set(diskEntityId(disk.path), null, { error: disk.error });
      else
        this.#set(diskEntityId(disk.path), round1(disk.percent), {
          free_gib: disk.freeGiB,
          total_gib: disk.totalGiB,
        });
    }
    // The delay lock can be lost (systemd-inhibit refused or killed); show it as it is.
    if (this.#sleepWatched) this.#set(ID.sleepBackend, "logind", { inhibitor: this.#sleep.inhibitor });
    const battery = snapshot.batteries[0];
    if (battery) {
      if (!this.#batteryDefined) defineAll(this.#ctx.store, BATTERY_ENTITIES);
      this.#batteryDefined = true;
      this.#set(ID.battery, Math.round(battery.percent), { status: battery.status, name: battery.name });
      this.#set(ID.batteryCharging, battery.status === "Charging");
    }
  }

  #needsOfficeChecks(): boolean {
    const rule = this.#config.in_office;
    return rule.gateways.length + rule.ssids.length + rule.monitors.length > 0;
  }

  async #officeTick(): Promise<void> {
    if (!this.#needsOfficeChecks()) return;
    const rule = this.#config.in_office;
    if (rule.gateways.length || rule.ssids.length) {
      const network = await matchNetwork({ gateways: rule.gateways, ssids: rule.ssids, env: this.#ctx.env });
      this.#signals.network = network.matched;
      this.#networkInfo = { ...network };
    }
    if (rule.monitors.length) {
      const monitors = await connectedMonitors();
      const match = matchMonitor(monitors, rule.monitors);
      this.#signals.monitor = match !== undefined;
      this.#monitorInfo = {
        connected: monitors.map((m) => (m.name ? `${m.connector} (${m.name})` : m.connector)),
      };
    }
    this.#recompute();
  }

  #recompute(): void {
    if (!this.#running) return;
    const verdict = evaluate(this.#config.in_office, this.#signals, this.#override);
    this.#set(ID.inOffice, verdict.inOffice, {
      reason: verdict.reason,
      override: verdict.override,
      rule_says: verdict.auto,
      signals: { ...this.#signals },
      ...(this.#networkInfo ? { network: this.#networkInfo } : {}),
      ...(this.#monitorInfo ? { monitors: this.#monitorInfo } : {}),
    });
  }
}
