import { type FSWatcher, watch } from "node:fs";
import { glob, realpath } from "node:fs/promises";
import { basename, dirname, matchesGlob } from "node:path";
import type { Logger } from "../../core/log.ts";
import { camerasAsleep } from "./camera-power.ts";
import { type FdCountCache, findHolders, type Holder } from "./holders.ts";
import { type OpenWatch, watchOpens } from "./inotifywait.ts";

export interface WebcamOptions {
  /** Globs of the device nodes, `/dev/video*` unless configured. */
  devices: readonly string[];
  /** Process names whose handles do not count (PipeWire keeps cameras open to watch them). */
  ignore: readonly string[];
  procRoot?: string;
  sysRoot?: string;
}

export interface WebcamState {
  inUse: boolean;
  /** Who holds a camera, ignored processes left out. */
  holders: Holder[];
  /** Ignored processes that hold one, for the curious. */
  ignored: Holder[];
  devices: string[];
  /** Processes we could not look into (another user's). */
  unreadable: number;
  /** Every camera was runtime-suspended, so /proc was not scanned. */
  asleep: boolean;
}

/** The device nodes the globs match now, resolved (fd links show the real path). */
export async function matchDevices(patterns: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    for await (const path of glob(pattern)) {
      found.add(await realpath(path).catch(() => path));
    }
  }
  return [...found].sort();
}

/**
 * One look: which devices exist and who holds them. A watcher passes the devices it
 * already knows and its fd-count cache, so a look costs a stat per unchanged process.
 */
export async function probeWebcam(
  options: WebcamOptions,
  known?: readonly string[],
  cache?: FdCountCache,
): Promise<WebcamState> {
  const devices = known ? [...known] : await matchDevices(options.devices);
  const nobody = { inUse: false, holders: [], ignored: [], devices, unreadable: 0 };
  if (devices.length === 0) return { ...nobody, asleep: false };
  if (await camerasAsleep(devices, options.sysRoot)) return { ...nobody, asleep: true };
  const scan = await findHolders(new Set(devices), {
    procRoot: options.procRoot,
    skipPid: process.pid,
    cache,
  });
  const ignore = new Set(options.ignore);
  const holders = scan.holders.filter((h) => !ignore.has(h.name));
  const ignored = scan.holders.filter((h) => ignore.has(h.name));
  return { inUse: holders.length > 0, holders, ignored, devices, unreadable: scan.unreadable, asleep: false };
}

const FULL_LOOK_MS = 60_000;

function sameHolders(a: Holder[], b: Holder[]): boolean {
  return JSON.stringify(a.map((h) => [h.pid, h.paths])) === JSON.stringify(b.map((h) => [h.pid, h.paths]));
}

export interface WebcamWatcherOptions extends WebcamOptions {
  /** How long a change of in-use must hold before it is reported. */
  debounceMs: number;
  /** How often /proc is scanned while a camera exists and no open/close events arrive. */
  scanMs: number;
  /** With inotifywait reporting opens and closes, the scan is only a safety net this often. */
  quietScanMs?: number;
  /** Where inotifywait is looked up. */
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  now?: () => number;
  onChange(state: WebcamState): void;
}

/**
 * Watches the cameras: the device directories with inotify (fs.watch) for cameras
 * coming and going; opens and closes of the cameras through inotifywait when it is
 * installed; and /proc, scanned on those events or else on an interval while any camera
 * exists. A change of in-use must hold for `debounceMs` before it is reported, so a
 * browser that opens every camera for a moment to list them does not switch the
 * office lights.
 */
export class WebcamWatcher {
  #options: WebcamWatcherOptions;
  #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #scanning: Promise<void> | undefined;
  #again = false;
  #reported: WebcamState | undefined;
  #pendingSince: number | undefined;
  #opens: OpenWatch | undefined;
  #openDevices = "";
  #openFailures = 0;
  #soon: NodeJS.Timeout | undefined;
  #devices: string[] | undefined;
  #globbedAt = 0;
  #fdCounts: FdCountCache = new Map();

  constructor(options: WebcamWatcherOptions) {
    this.#options = options;
  }

  get state(): WebcamState | undefined {
    return this.#reported;
  }

  /** What makes it look: camera opens and closes (inotifywait), or the interval alone. */
  get trigger(): string {
    return this.#opens ? "open/close events (inotifywait)" : `every ${this.#options.scanMs / 1000} s`;
  }

  async start(): Promise<void> {
    this.#running = true;
    const dirs = new Set(this.#options.devices.map((pattern) => dirname(pattern)));
    for (const dir of dirs) {
      if (/[*?[{]/.test(dir)) continue; // a wildcard directory: the interval scan covers it
      try {
        const watcher = watch(dir, { persistent: false }, (_event, file) => {
          if (
            file &&
            this.#options.devices.some((p) => dirname(p) === dir && matchesGlob(file, basename(p)))
          ) {
            this.#devices = undefined;
            void this.refresh();
          }
        });
        watcher.on("error", (error) =>
          this.#options.log?.warn({ err: error, dir }, "cannot watch for cameras"),
        );
        this.#watchers.push(watcher);
      } catch (error) {
        this.#options.log?.warn({ err: error, dir }, "cannot watch for cameras; rescanning on the interval");
      }
    }
    await this.refresh();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    clearTimeout(this.#soon);
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
    await this.#scanning;
    await this.#opens?.close();
    this.#opens = undefined;
  }

  async #followOpens(devices: string[]): Promise<void> {
    const key = devices.join("\n");
    if (key === this.#openDevices || this.#openFailures >= 3) return;
    await this.#opens?.close();
    this.#opens = undefined;
    this.#openDevices = key;
    this.#opens = await watchOpens(
      devices,
      this.#options.env ?? process.env,
      () => {
        // An open comes with a burst of ioctls and often a close and reopen; scan once after it.
        clearTimeout(this.#soon);
        this.#soon = setTimeout(() => void this.refresh(), 100);
      },
      (code) => {
        this.#openFailures++;
        this.#options.log?.warn({ code }, "inotifywait stopped; scanning for cameras on the interval");
        this.#opens = undefined;
        this.#openDevices = "";
      },
    );
  }

  /** Scans now (a device appeared, a test wants an answer); overlapping calls coalesce. */
  refresh(): Promise<void> {
    if (this.#scanning) {
      this.#again = true;
      return this.#scanning;
    }
    this.#scanning = this.#scan()
      .catch((error) => this.#options.log?.error({ err: error }, "webcam scan failed"))
      .finally(() => {
        this.#scanning = undefined;
        if (this.#again && this.#running) {
          this.#again = false;
          void this.refresh();
        }
      });
    return this.#scanning;
  }

  async #scan(): Promise<void> {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    const now = this.#options.now ?? Date.now;
    // The device list changes only on hotplug, which fs.watch reports; a glob per scan
    // would cost more than the scan itself. Directories with wildcards, or a watch that
    // failed, are covered by globbing again now and then.
    // The same period bounds the fd-count shortcut: a full scan then catches a process
    // that swapped one open file for the camera without changing its count.
    if (!this.#devices || now() - this.#globbedAt > FULL_LOOK_MS) {
      this.#devices = await matchDevices(this.#options.devices);
      this.#globbedAt = now();
      this.#fdCounts.clear();
    }
    const raw = await probeWebcam(this.#options, this.#devices, this.#fdCounts);
    if (this.#running) await this.#followOpens(raw.devices);
    const reported = this.#reported;
    let next = this.#opens ? (this.#options.quietScanMs ?? 60_000) : this.#options.scanMs;
    if (!reported || raw.inUse === reported.inUse) {
      this.#pendingSince = undefined;
      const changed =
        !reported ||
        !sameHolders(raw.holders, reported.holders) ||
        raw.devices.join() !== reported.devices.join() ||
        raw.asleep !== reported.asleep ||
        !sameHolders(raw.ignored, reported.ignored);
      if (changed) this.#report(raw);
    } else if (this.#pendingSince === undefined) {
      this.#pendingSince = now();
      next = Math.min(next, this.#options.debounceMs);
    } else if (now() - this.#pendingSince >= this.#options.debounceMs) {
      this.#pendingSince = undefined;
      this.#report(raw);
    } else {
      next = Math.min(next, this.#options.debounceMs - (now() - this.#pendingSince));
    }
    if (this.#running) this.#timer = setTimeout(() => void this.refresh(), next);
  }

  #report(state: WebcamState): void {
    this.#reported = state;
    this.#options.onChange(state);
  }
}
