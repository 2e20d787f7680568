import { type ChildProcess, spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FdCountCache, findHolders } from "../../../src/desktop/devices/holders.ts";
import { probeWebcam, type WebcamState, WebcamWatcher } from "../../../src/desktop/devices/webcam.ts";
import { repoRoot } from "../../helpers/sandbox.ts";

/** The pid of this test process's child running `name` (a fake tool under test). */
function childNamed(name: string): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(name))
        return Number(entry);
    } catch {
      // Exited while we looked.
    }
  }
  throw new Error(`no child process running ${name}`);
}

/** A process that opens `path` (on fd 3) and keeps it open until killed; `name` becomes its comm. */
function holdOpen(path: string, name = "sleep", dir?: string): Promise<ChildProcess> {
  let program = "sleep";
  if (name !== "sleep") {
    program = join(dir!, name);
    symlinkSync("/bin/sleep", program);
  }
  const child = spawn("sh", ["-c", `exec 3<"$1"; exec "$2" 600`, "sh", path, program], { stdio: "ignore" });
  children.push(child);
  // Wait until the exec happened and the fd is there, as a camera app would have it.
  return new Promise((resolve) => {
    const check = async () => {
      const scan = await findHolders(new Set([path]));
      if (scan.holders.some((h) => h.pid === child.pid && h.name === name.slice(0, 15))) resolve(child);
      else setTimeout(check, 20);
    };
    void check();
  });
}

function release(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

const children: ChildProcess[] = [];

describe("webcam in use", () => {
  let dir: string;
  let devices: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "deskhub-cam-"));
    devices = join(dir, "dev");
    mkdirSync(devices);
    writeFileSync(join(devices, "video0"), "");
    writeFileSync(join(devices, "video1"), "");
    writeFileSync(join(devices, "audio0"), "");
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map(release));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const glob = () => [join(devices, "video*")];

  it("names the process holding a device the glob matches, and forgets it once released", async () => {
    expect(await probeWebcam({ devices: glob(), ignore: [] })).toMatchObject({ inUse: false, holders: [] });
    const child = await holdOpen(join(devices, "video1"));
    const state = await probeWebcam({ devices: glob(), ignore: [] });
    expect(state.inUse).toBe(true);
    expect(state.devices).toEqual([join(devices, "video0"), join(devices, "video1")]);
    expect(state.holders).toEqual([{ pid: child.pid, name: "sleep", paths: [join(devices, "video1")] }]);
    await release(child);
    expect(await probeWebcam({ devices: glob(), ignore: [] })).toMatchObject({ inUse: false, holders: [] });
  });

  it("does not count a file outside the glob", async () => {
    await holdOpen(join(devices, "audio0"));
    expect(await probeWebcam({ devices: glob(), ignore: [] })).toMatchObject({ inUse: false });
  });

  it("ignores PipeWire's own handle on the camera", async () => {
    const pipewire = await holdOpen(join(devices, "video0"), "pipewire", dir);
    const state = await probeWebcam({ devices: glob(), ignore: ["pipewire", "wireplumber"] });
    expect(state.inUse).toBe(false);
    expect(state.ignored).toEqual([
      { pid: pipewire.pid, name: "pipewire", paths: [join(devices, "video0")] },
    ]);
  });

  it("reports a camera held open after the debounce, and a brief open not at all", async () => {
    const changes: WebcamState[] = [];
    const watcher = new WebcamWatcher({
      devices: glob(),
      ignore: [],
      debounceMs: 800,
      scanMs: 100,
      onChange: (state) => changes.push(state),
    });
    await watcher.start();
    try {
      expect(changes).toHaveLength(1);
      expect(changes[0]!.inUse).toBe(false);

      // A browser listing cameras opens each one for a moment.
      const blink = await holdOpen(join(devices, "video0"));
      await new Promise((r) => setTimeout(r, 250));
      await release(blink);
      await new Promise((r) => setTimeout(r, 1000));
      expect(changes.map((c) => c.inUse)).toEqual([false]);

      const call = await holdOpen(join(devices, "video0"));
      const openedAt = Date.now();
      await expect.poll(() => changes.at(-1)?.inUse, { timeout: 5000 }).toBe(true);
      expect(Date.now() - openedAt).toBeGreaterThanOrEqual(700);
      expect(changes.at(-1)!.holders.map((h) => h.pid)).toEqual([call.pid]);

      await release(call);
      await expect.poll(() => changes.at(-1)?.inUse, { timeout: 5000 }).toBe(false);
    } finally {
      await watcher.stop();
    }
  });

  it("notices a camera plugged in while it watches", async () => {
    const changes: WebcamState[] = [];
    const watcher = new WebcamWatcher({
      devices: glob(),
      ignore: [],
      debounceMs: 0,
      // Longer than the test: the new device is seen through inotify, not the interval.
      scanMs: 600_000,
      onChange: (state) => changes.push(state),
    });
    await watcher.start();
    try {
      writeFileSync(join(devices, "video7"), "");
      await expect.poll(() => changes.at(-1)?.devices.length, { timeout: 5000 }).toBe(3);
      rmSync(join(devices, "video7"));
      await expect.poll(() => changes.at(-1)?.devices.length, { timeout: 5000 }).toBe(2);
    } finally {
      await watcher.stop();
    }
  });

  it("scans on inotifywait's open and close events instead of the interval", async () => {
    const argsFile = join(dir, "inotifywait-args");
    const changes: WebcamState[] = [];
    const watcher = new WebcamWatcher({
      devices: glob(),
      ignore: [],
      debounceMs: 200,
      // Far longer than the test: a change seen in time came through an event.
      scanMs: 600_000,
      quietScanMs: 600_000,
      env: { PATH: join(repoRoot, "test/fixtures/presence/bin-inotify"), FAKE_INOTIFYWAIT_ARGS: argsFile },
      onChange: (state) => changes.push(state),
    });
    await watcher.start();
    const inotifywait = childNamed("inotifywait");
    try {
      expect(watcher.trigger).toBe("open/close events (inotifywait)");
      expect(readFileSync(argsFile, "utf8").trim()).toBe(
        `-m -q -e open,close --format %w %e ${join(devices, "video0")} ${join(devices, "video1")}`,
      );
      const call = await holdOpen(join(devices, "video1"));
      process.kill(inotifywait, "SIGUSR1");
      await expect.poll(() => changes.at(-1)?.inUse, { timeout: 5000 }).toBe(true);
      await release(call);
      process.kill(inotifywait, "SIGUSR2");
      await expect.poll(() => changes.at(-1)?.inUse, { timeout: 5000 }).toBe(false);
    } finally {
      await watcher.stop();
    }
    // Stopping the watcher stops inotifywait with it.
    expect(() => process.kill(inotifywait, 0)).toThrow();
  });

  it("scans on the interval when inotifywait is not installed", async () => {
    const watcher = new WebcamWatcher({
      devices: glob(),
      ignore: [],
      debounceMs: 0,
      scanMs: 3000,
      env: { PATH: "/nonexistent" },
      onChange: () => {},
    });
    await watcher.start();
    expect(watcher.trigger).toBe("every 3 s");
    await watcher.stop();
  });

  it("skips the /proc scan while a UVC camera is runtime-suspended, and scans once it wakes", async () => {
    // sysfs as the kernel lays it out for a USB webcam: the class entry links to the
    // USB interface, whose parent is the camera; both carry power/runtime_status.
    const sys = join(dir, "sys");
    const camera = join(sys, "devices/pci0000:00/0000:00:14.0/usb1/1-4");
    const iface = join(camera, "1-4:1.0");
    mkdirSync(join(iface, "power"), { recursive: true });
    mkdirSync(join(camera, "power"), { recursive: true });
    mkdirSync(join(sys, "class/video4linux/video0"), { recursive: true });
    symlinkSync(iface, join(sys, "class/video4linux/video0/device"));
    const power = (status: string) => {
      writeFileSync(join(iface, "power/runtime_status"), `${status}\n`);
      writeFileSync(join(camera, "power/runtime_status"), `${status}\n`);
    };
    const only0 = [join(devices, "video0")];
    await holdOpen(join(devices, "video0"));
    power("suspended");
    expect(await probeWebcam({ devices: only0, ignore: [], sysRoot: sys })).toMatchObject({
      inUse: false,
      asleep: true,
    });
    power("active");
    expect(await probeWebcam({ devices: only0, ignore: [], sysRoot: sys })).toMatchObject({
      inUse: true,
      asleep: false,
    });
    // A node sysfs does not know (autosuspend off, not V4L2) is always scanned.
    expect(await probeWebcam({ devices: glob(), ignore: [], sysRoot: sys })).toMatchObject({ inUse: true });
  });

  it("re-reads only processes whose fd count changed, and a full scan catches a swap", async () => {
    const camera = join(devices, "video0");
    // A long-running app that opens the camera later, on command, as a call starts.
    const app = spawn(
      process.execPath,
      [
        "-e",
        `const fs = require("fs"); const spare = fs.openSync("/dev/null", "r");
         process.stdin.on("data", (d) => {
           if (String(d).startsWith("open")) fs.openSync(process.argv[1], "r");
           if (String(d).startsWith("swap")) { fs.closeSync(spare); fs.openSync(process.argv[1], "r"); }
           process.stdout.write("done\\n");
         });`,
        camera,
      ],
      { stdio: ["pipe", "pipe", "ignore"] },
    );
    children.push(app);
    const command = (what: string) =>
      new Promise<void>((resolve) => {
        app.stdout!.once("data", () => resolve());
        app.stdin!.write(`${what}\n`);
      });
    await command("ready");
    const targets = new Set([camera]);
    const cache: FdCountCache = new Map();
    const first = await findHolders(targets, { cache });
    expect(first.holders).toEqual([]);
    expect(cache.get(app.pid!)).toBeGreaterThan(0);
    const steady = await findHolders(targets, { cache });
    expect(steady.scanned).toBeLessThan(first.scanned);
    expect(steady.unchanged).toBeGreaterThan(0);

    // Swapping one open file for the camera keeps the count: the cached scan misses it...
    await command("swap");
    expect((await findHolders(targets, { cache })).holders).toEqual([]);
    // ...which is why the watcher clears the cache for a full scan every minute.
    expect((await findHolders(targets, { cache: new Map() })).holders.map((h) => h.pid)).toEqual([app.pid]);

    // Opening the camera changes the count, so the cached scan reads the process again.
    await command("open");
    const found = await findHolders(targets, { cache });
    expect(found.holders.map((h) => h.pid)).toEqual([app.pid]);
    expect(cache.has(app.pid!)).toBe(false);
  });

  it("reports no camera when nothing matches, without scanning /proc", async () => {
    const state = await probeWebcam({ devices: [join(dir, "none", "video*")], ignore: [] });
    expect(state).toEqual({
      inUse: false,
      holders: [],
      ignored: [],
      devices: [],
      unreadable: 0,
      asleep: false,
    });
  });
});
