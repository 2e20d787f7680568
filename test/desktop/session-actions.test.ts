import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DesktopBuses } from "../../src/desktop/dbus.ts";
import {
  type ActiveWindow,
  activeWindow,
  hyprlandEventSocket,
  type LockState,
  LockWatcher,
  lockScreen,
  parseHyprctlWindow,
  parseHyprlandEvent,
  SleepWatcher,
  suspendMachine,
  watchHyprlandWindows,
  windowBackend,
} from "../../src/desktop/session-actions.ts";
import { startLogind, startScreenSaver } from "../fixtures/presence/dbus-services.ts";
import { type PrivateBus, startSessionBus } from "../helpers/dbus.ts";
import { repoRoot } from "../helpers/sandbox.ts";

const fixtures = join(repoRoot, "test/fixtures/presence");

// Every test here keeps PATH away from the real loginctl and systemctl: a test must
// never lock or suspend the machine it runs on.
const SAFE_PATH = "/nonexistent";

describe("session actions", () => {
  let session: PrivateBus;
  let system: PrivateBus;
  let dir: string;
  beforeAll(async () => {
    [session, system] = await Promise.all([startSessionBus(), startSessionBus()]);
    dir = mkdtempSync(join(tmpdir(), "deskhub-session-"));
  });
  afterAll(async () => {
    await Promise.all([session.stop(), system.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (extra: NodeJS.ProcessEnv = {}) => ({
    PATH: SAFE_PATH,
    DBUS_SESSION_BUS_ADDRESS: session.address,
    DBUS_SYSTEM_BUS_ADDRESS: system.address,
    ...extra,
  });

  it("locks with the configured command first", async () => {
    const marker = join(dir, "locked-by-command");
    const buses = new DesktopBuses(env());
    const result = await lockScreen({
      env: env({ PATH: "/usr/bin:/bin" }),
      buses,
      command: ["touch", marker],
    });
    expect(result.method).toBe(`touch ${marker}`);
    expect(readFileSync(marker, "utf8")).toBe("");
    await buses.close();
  });

  it("falls back to the ScreenSaver interface when loginctl is not there", async () => {
    const screensaver = await startScreenSaver(session.address);
    const buses = new DesktopBuses(env());
    try {
      const result = await lockScreen({ env: env(), buses });
      expect(result.method).toBe("org.freedesktop.ScreenSaver.Lock");
      expect(screensaver.iface.locks).toBe(1);
    } finally {
      await buses.close();
      await screensaver.stop();
    }
  });

  it("names every way it tried when none can lock, and what to configure", async () => {
    const buses = new DesktopBuses(env());
    const error = await lockScreen({ env: env(), buses, command: ["swaylock", "-f"] }).catch((e) => e);
    expect(error.message).toMatch(
      /^cannot lock the screen: swaylock -f: swaylock is not installed; loginctl lock-session: loginctl is not installed; org\.freedesktop\.ScreenSaver\.Lock: .*ServiceUnknown.*; xdg-screensaver lock: xdg-screensaver is not installed$/,
    );
    expect(error.hint).toContain("lock_command");
    expect(error.code).toBe(69);
    await buses.close();
  });

  it("suspends through logind over D-Bus when systemctl is not there", async () => {
    const logind = await startLogind(system.address);
    const buses = new DesktopBuses(env());
    try {
      expect(await suspendMachine({ env: env(), buses })).toEqual({
        method: "org.freedesktop.login1.Manager.Suspend",
      });
      expect(logind.manager.suspends).toBe(1);
    } finally {
      await buses.close();
      await logind.stop();
    }
  });

  it("follows logind's LockedHint", async () => {
    const logind = await startLogind(system.address);
    const states: LockState[] = [];
    const buses = new DesktopBuses(env());
    const watcher = new LockWatcher({ env: env(), buses, onChange: (s) => states.push(s) });
    try {
      await watcher.start();
      expect(watcher.state).toEqual({ locked: false, backend: "logind" });
      logind.setLocked(true);
      await expect.poll(() => watcher.state.locked, { timeout: 5000 }).toBe(true);
      logind.setLocked(false);
      await expect.poll(() => watcher.state.locked, { timeout: 5000 }).toBe(false);
      expect(states.map((s) => s.locked)).toEqual([false, true, false]);
    } finally {
      await watcher.stop();
      await buses.close();
      await logind.stop();
    }
  });

  it("finds the session through XDG_SESSION_ID when it is set", async () => {
    const logind = await startLogind(system.address);
    const buses = new DesktopBuses(env({ XDG_SESSION_ID: logind.sessionId }));
    try {
      logind.session.LockedHint = true;
      const state = await new LockWatcher({
        env: env({ XDG_SESSION_ID: logind.sessionId }),
        buses,
        onChange: () => {},
      }).probe();
      expect(state).toEqual({ locked: true, backend: "logind" });
      const wrong = new LockWatcher({ env: env({ XDG_SESSION_ID: "99" }), buses, onChange: () => {} });
      const unknown = await wrong.probe();
      expect(unknown.backend).toBe("none");
      expect(unknown.reason).toContain("No session '99' known");
    } finally {
      await buses.close();
      await logind.stop();
    }
  });

  it("falls back to the ScreenSaver's ActiveChanged signal without logind", async () => {
    const screensaver = await startScreenSaver(session.address);
    const buses = new DesktopBuses(env());
    const watcher = new LockWatcher({ env: env(), buses, onChange: () => {} });
    try {
      await watcher.start();
      expect(watcher.state).toEqual({ locked: false, backend: "screensaver" });
      screensaver.setActive(true);
      await expect.poll(() => watcher.state.locked, { timeout: 5000 }).toBe(true);
    } finally {
      await watcher.stop();
      await buses.close();
      await screensaver.stop();
    }
  });

  it("turns PrepareForSleep into sleep and resume callbacks, asking for a new lock after each resume", async () => {
    const logind = await startLogind(system.address);
    const buses = new DesktopBuses(env({ PATH: "/usr/bin:/bin" }));
    const events: string[] = [];
    const watcher = new SleepWatcher({
      env: env({ PATH: "/usr/bin:/bin" }),
      buses,
      graceMs: 50,
      onSleep: () => {
        events.push("sleep");
      },
      onResume: () => {
        events.push("resume");
      },
    });
    // systemd-inhibit is still waiting for logind when the machine sleeps and wakes.
    logind.manager.inhibitDelayMs = 400;
    try {
      await watcher.start();
      logind.prepareForSleep(true);
      await expect.poll(() => events, { timeout: 5000 }).toEqual(["sleep"]);
      logind.prepareForSleep(false);
      await expect.poll(() => events, { timeout: 5000 }).toEqual(["sleep", "resume"]);
      // The resume came while the sleep side was still letting go of its lock; it asks again after.
      await expect.poll(() => logind.manager.inhibits.length, { timeout: 5000 }).toBe(2);
      expect(logind.manager.inhibits[0]).toEqual([
        "sleep",
        "deskhub",
        "Tell Home Assistant this desktop goes offline",
        "delay",
      ]);
      // The fake logind cannot hand out a file descriptor, so systemd-inhibit fails
      // against it; the watcher says so instead of pretending to hold the lock.
      await expect
        .poll(() => watcher.inhibitor, { timeout: 5000 })
        .toMatch(/^none: systemd-inhibit exited with 1: .*cannot pass a lock's fd/);
    } finally {
      await watcher.stop();
      await buses.close();
      await logind.stop();
    }
  });

  it("reads Hyprland's active window from hyprctl's JSON", async () => {
    const json = readFileSync(join(fixtures, "hyprctl-activewindow.json"), "utf8");
    expect(parseHyprctlWindow(json)).toEqual({ title: "~/src/deskhub", appClass: "kitty", pid: 48213 });
    expect(parseHyprctlWindow("{}")).toBeUndefined();
    const hyprEnv = {
      PATH: `${join(fixtures, "bin-hypr")}:/bin`,
      HYPRLAND_INSTANCE_SIGNATURE: "abc",
      WAYLAND_DISPLAY: "wayland-1",
      FAKE_HYPRCTL_WINDOW: join(fixtures, "hyprctl-activewindow.json"),
    };
    expect(await windowBackend(hyprEnv)).toEqual({ backend: "hyprctl" });
    expect(await activeWindow(hyprEnv, "hyprctl")).toMatchObject({ appClass: "kitty", pid: 48213 });
    expect(await windowBackend({ WAYLAND_DISPLAY: "wayland-1" })).toMatchObject({ backend: "none" });
    expect(await windowBackend({})).toEqual({ backend: "none", reason: "no graphical session" });
  });

  it("follows focus changes on Hyprland's event socket", async () => {
    const signature = "v0.41_1700000000_1234";
    const socketDir = join(dir, "hypr", signature);
    mkdirSync(socketDir, { recursive: true });
    const path = join(socketDir, ".socket2.sock");
    const clients: Socket[] = [];
    const server: Server = createServer((socket) => clients.push(socket));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    expect(hyprlandEventSocket({ HYPRLAND_INSTANCE_SIGNATURE: signature, XDG_RUNTIME_DIR: dir })).toBe(path);
    const windows: (ActiveWindow | undefined)[] = [];
    let ended = false;
    const watch = watchHyprlandWindows(
      path,
      (w) => windows.push(w),
      () => (ended = true),
    );
    try {
      await expect.poll(() => clients.length, { timeout: 5000 }).toBe(1);
      clients[0]!.write(
        "workspace>>2\nactivewindow>>firefox,Meeting, with commas - Mozilla Firefox\nactivewindowv2>>55d8b2a5e3c0\n",
      );
      clients[0]!.write("activewindow>>,\nactivewin");
      clients[0]!.write("dow>>kitty,~\n");
      await expect.poll(() => windows.length, { timeout: 5000 }).toBe(3);
      expect(windows).toEqual([
        { title: "Meeting, with commas - Mozilla Firefox", appClass: "firefox" },
        undefined,
        { title: "~", appClass: "kitty" },
      ]);
      clients[0]!.destroy();
      await expect.poll(() => ended, { timeout: 5000 }).toBe(true);
    } finally {
      watch.close();
      await new Promise((resolve) => server.close(resolve));
    }
    expect(parseHyprlandEvent("openwindow>>80e62df0,2,kitty,Kitty")).toBeUndefined();
  });
});
