import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { closeSync, type FSWatcher, openSync, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { ExitCode, UserError } from "../../core/errors.ts";
import { EV_KEY, type InputEvent, InputEventReader } from "./input-event.ts";

export interface InputDevice {
  name: string;
  /** `/dev/input/eventN` */
  path: string;
  /** Key codes the device reports having. */
  keys: ReadonlySet<number>;
}

/** The key-capability bitmap of /proc/bus/input/devices: hex longs, most significant first. */
export function parseKeyBitmap(text: string, wordBits = 64): Set<number> {
  const codes = new Set<number>();
  const words = text.trim().split(/\s+/).reverse();
  words.forEach((word, index) => {
    let bits = BigInt(`0x${word || "0"}`);
    for (let bit = 0; bits > 0n; bit++, bits >>= 1n) if (bits & 1n) codes.add(index * wordBits + bit);
  });
  return codes;
}

/** Devices from the text of /proc/bus/input/devices that have an event node and keys. */
export function parseInputDevices(text: string): InputDevice[] {
  const devices: InputDevice[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const name = /^N: Name="(.*)"$/m.exec(block)?.[1] ?? "unknown device";
    const event = /^H: Handlers=.*\b(event\d+)\b/m.exec(block)?.[1];
    const keys = /^B: KEY=(.*)$/m.exec(block)?.[1];
    if (!event || !keys) continue;
    devices.push({ name, path: `/dev/input/${event}`, keys: parseKeyBitmap(keys) });
  }
  return devices;
}

/** Keyboards that have at least one of the wanted keys (a power button does not). */
export async function findKeyboards(
  wanted: readonly number[],
  devicesFile = "/proc/bus/input/devices",
): Promise<InputDevice[]> {
  let text: string;
  try {
    text = await readFile(devicesFile, "utf8");
  } catch {
    return [];
  }
  return parseInputDevices(text).filter((d) => wanted.some((code) => d.keys.has(code)));
}

export function inputPermissionError(path: string): UserError {
  let user = "$USER";
  try {
    user = userInfo().username;
  } catch {}
  return new UserError(
    `cannot read keyboard events from ${path}: permission denied (${user} is not in the "input" group)`,
    {
      code: ExitCode.noPerm,
      hint: `run \`sudo usermod -aG input ${user}\`, then log out and back in; or use the desktop portal (voice.trigger: portal) or a compositor bind to \`deskhub voice start\``,
    },
  );
}

export interface KeyEvent {
  code: number;
  /** 1 press, 0 release, 2 autorepeat. */
  value: number;
  device: string;
}

interface DeviceReader {
  child: ChildProcess;
}

/**
 * Reads key events from /dev/input/event* devices. Each device is opened here (so a
 * permission problem is caught and explained) and its descriptor handed to `cat`,
 * whose pipe Node polls: a blocking read of a character device would otherwise hold
 * one of libuv's four worker threads for as long as the daemon runs.
 */
export class EvdevKeys extends EventEmitter<{ key: [KeyEvent]; device: [string, "added" | "removed"] }> {
  #wanted: readonly number[];
  #readers = new Map<string, DeviceReader>();
  #watcher: FSWatcher | undefined;
  #rescanTimer: NodeJS.Timeout | undefined;
  #devicesFile: string;
  #closed = false;

  constructor(options: { keys: readonly number[]; devicesFile?: string }) {
    super();
    this.#wanted = options.keys;
    this.#devicesFile = options.devicesFile ?? "/proc/bus/input/devices";
  }

  /**
   * Opens every keyboard that has one of the keys. Fails with a clear message when
   * there is none, or when none can be read for lack of the input group.
   */
  async start(): Promise<string[]> {
    const devices = await findKeyboards(this.#wanted, this.#devicesFile);
    if (devices.length === 0) {
      throw new UserError("no keyboard with the configured keys was found in /proc/bus/input/devices", {
        code: ExitCode.unavailable,
        hint: "check voice.ptt_key; or use voice.trigger: portal, or bind `deskhub voice start` in the compositor",
      });
    }
    const denied: string[] = [];
    for (const device of devices) {
      try {
        this.open(device.path);
      } catch (error) {
        if ((error as UserError).code === ExitCode.noPerm) denied.push(device.path);
        else throw error;
      }
    }
    if (this.#readers.size === 0) throw inputPermissionError(denied[0] ?? devices[0]!.path);
    this.#watchHotplug();
    return [...this.#readers.keys()];
  }

  /** Reads one device (or any file that yields input_event records, as tests do). */
  open(path: string): void {
    if (this.#readers.has(path)) return;
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EACCES" || code === "EPERM") throw inputPermissionError(path);
      throw new UserError(`cannot open ${path}: ${(error as Error).message}`, { code: ExitCode.unavailable });
    }
    const child = spawn("cat", [], { stdio: [fd, "pipe", "ignore"] });
    closeSync(fd);
    const reader = new InputEventReader();
    child.stdout!.on("data", (chunk: Buffer) => {
      for (const event of reader.push(chunk)) this.#event(event, path);
    });
    child.on("error", () => this.#drop(path));
    child.on("close", () => this.#drop(path));
    this.#readers.set(path, { child });
    this.emit("device", path, "added");
  }

  #event(event: InputEvent, device: string): void {
    if (event.type !== EV_KEY) return;
    this.emit("key", { code: event.code, value: event.value, device });
  }

  #drop(path: string): void {
    if (!this.#readers.delete(path)) return;
    this.emit("device", path, "removed");
  }

  /** A keyboard plugged in later (a dock, Bluetooth) is picked up without a restart. */
  #watchHotplug(): void {
    try {
      this.#watcher = watch("/dev/input", () => {
        clearTimeout(this.#rescanTimer);
        this.#rescanTimer = setTimeout(() => void this.#rescan(), 500);
      });
      this.#watcher.on("error", () => {});
    } catch {
      // No /dev/input to watch (a container): nothing will be plugged in.
    }
  }

  async #rescan(): Promise<void> {
    if (this.#closed) return;
    for (const device of await findKeyboards(this.#wanted, this.#devicesFile)) {
      try {
        this.open(device.path);
      } catch {
        // Not readable yet (udev still setting permissions); the next event retries.
      }
    }
  }

  get devices(): string[] {
    return [...this.#readers.keys()];
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#rescanTimer);
    this.#watcher?.close();
    for (const { child } of this.#readers.values()) child.kill();
    this.#readers.clear();
  }
}
