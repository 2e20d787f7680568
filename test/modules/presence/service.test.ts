import { type ChildProcess, spawn } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonHandle, startDaemon } from "../../../src/app/daemon/daemon.ts";
import { resolvePaths } from "../../../src/core/paths.ts";
import type { Store } from "../../../src/core/store.ts";
import presence from "../../../src/modules/presence/index.ts";
import {
  type NotificationServer,
  startNotificationServer,
} from "../../fixtures/calendar/notification-server.ts";
import { startLogind, startScreenSaver } from "../../fixtures/presence/dbus-services.ts";
import { type PrivateBus, startSessionBus } from "../../helpers/dbus.ts";
import { freePort, makeSandbox, repoRoot, runCli, type Sandbox } from "../../helpers/sandbox.ts";

const fixtures = join(repoRoot, "test/fixtures/presence");

describe("the presence service in a running daemon", () => {
  let sandbox: Sandbox;
  let session: PrivateBus;
  let system: PrivateBus;
  let screensaver: Awaited<ReturnType<typeof startScreenSaver>>;
  let logind: Awaited<ReturnType<typeof startLogind>>;
  let notifications: NotificationServer;
  let daemon: DaemonHandle | undefined;
  let store: Store;
  let cams: string;
  let audio: string;
  const holders: ChildProcess[] = [];

  const value = (id: string) => store.value(id);

  async function start(): Promise<void> {
    daemon = await startDaemon({ env: sandbox.env, modules: [presence] });
    store = daemon.runtime.store;
  }

  beforeAll(async () => {
    [session, system] = await Promise.all([startSessionBus(), startSessionBus()]);
    [screensaver, logind, notifications] = await Promise.all([
      startScreenSaver(session.address),
      startLogind(system.address),
      startNotificationServer(session.address),
    ]);
    cams = mkdtempSync(join(tmpdir(), "deskhub-cams-"));
    writeFileSync(join(cams, "video0"), "");
    audio = mkdtempSync(join(tmpdir(), "deskhub-audio-"));
    copyFileSync(join(fixtures, "audio/sources.txt"), join(audio, "sources.txt"));
    copyFileSync(join(fixtures, "audio/source-outputs-quiet.txt"), join(audio, "source-outputs.txt"));
    writeFileSync(join(audio, "events"), "");
    sandbox = makeSandbox({
      // Only the fake pactl is on PATH: nothing here can lock or suspend the test machine.
      PATH: join(fixtures, "bin-audio"),
      FAKE_PACTL_DIR: audio,
      DBUS_SESSION_BUS_ADDRESS: session.address,
      DBUS_SYSTEM_BUS_ADDRESS: system.address,
      DESKHUB_LOG_LEVEL: "error",
    });
    mkdirSync(sandbox.configDir, { recursive: true });
    writeFileSync(
      join(sandbox.configDir, "config.yaml"),
      [
        "dashboard:",
        `  port: ${await freePort()}`,
        "presence:",
        "  idle: { threshold: 60, poll_interval: 0.1 }",
        `  webcam: { devices: ["${cams}/video*"], debounce: 0.2, scan_interval: 0.1 }`,
        "  system: { interval: 0.3, disks: [/] }",
        "  actions: { suspend_grace: 0.05 }",
        "",
      ].join("\n"),
    );
    screensaver.setIdleMs(1_000);
    await start();
  });

  afterAll(async () => {
    for (const child of holders) child.kill();
    await daemon?.stop();
    await Promise.all([screensaver.stop(), logind.stop(), notifications.stop()]);
    await Promise.all([session.stop(), system.stop()]);
    rmSync(cams, { recursive: true, force: true });
    rmSync(audio, { recursive: true, force: true });
    sandbox.cleanup();
  });

  it("defines its entities with Home Assistant metadata and reports which backends answered", async () => {
    const ids = store
      .entities()
      .map((e) => e.id)
      .filter((id) => id.startsWith("presence."));
    for (const id of [
      "presence.idle",
      "presence.idle_seconds",
      "presence.webcam",
      "presence.microphone",
      "presence.in_office",
      "presence.override",
      "presence.locked",
      "presence.suspending",
      "presence.online",
      "presence.cpu",
      "presence.memory",
      "presence.disk",
      "presence.load",
      "presence.uptime",
      "presence.active_window",
    ]) {
      expect(ids).toContain(id);
    }
    expect(store.get("presence.idle")).toMatchObject({ kind: "binary_sensor", expireAfter: 300 });
    expect(store.get("presence.in_office")).toMatchObject({ deviceClass: "occupancy", expireAfter: 300 });
    expect(store.get("presence.override")).toMatchObject({
      kind: "select",
      options: ["auto", "on", "off"],
      command: "presence.set_override",
    });
    expect(store.get("presence.idle_backend")?.category).toBe("diagnostic");
    expect(value("presence.idle_backend")).toBe("screensaver");
    expect(value("presence.webcam_backend")).toBe("proc scan");
    expect(value("presence.microphone_backend")).toBe("pactl");
    expect(value("presence.lock_backend")).toBe("logind");
    expect(value("presence.sleep_backend")).toBe("logind");
    expect(store.get("presence.sleep_backend")?.state?.attributes.inhibitor).toBe(
      "none: systemd-inhibit is not installed",
    );
    expect(value("presence.active_window_backend")).toBe("none: no graphical session");
  });

  it("fills the system sensors from /proc", async () => {
    await expect.poll(() => typeof value("presence.cpu"), { timeout: 5000 }).toBe("number");
    expect(value("presence.online")).toBe(true);
    expect(value("presence.memory")).toBeGreaterThan(0);
    expect(value("presence.disk")).toBeGreaterThan(0);
    expect(value("presence.uptime")).toBeGreaterThan(0);
  });

  it("goes idle past the threshold, out of the office, and back", async () => {
    await expect.poll(() => value("presence.idle"), { timeout: 5000 }).toBe(false);
    expect(value("presence.in_office")).toBe(true);
    screensaver.setIdleMs(125_000);
    await expect.poll(() => value("presence.idle"), { timeout: 5000 }).toBe(true);
    expect(value("presence.idle_seconds")).toBe(120);
    await expect.poll(() => value("presence.in_office"), { timeout: 5000 }).toBe(false);
    expect(store.get("presence.in_office")?.state?.attributes.reason).toBe("none of active, webcam holds");
  });

  it("keeps the office on while the webcam is in use, even idle", async () => {
    // The camera is open in `sleep` from its first instruction: a shell that opens it and
    // then execs would be scanned under its old name.
    const camera = openSync(join(cams, "video0"), "r");
    const child = spawn("sleep", ["600"], { stdio: ["ignore", "ignore", "ignore", camera] });
    closeSync(camera);
    holders.push(child);
    await expect.poll(() => value("presence.webcam"), { timeout: 5000 }).toBe(true);
    expect(store.get("presence.webcam")?.state?.attributes.processes).toEqual([`sleep (${child.pid})`]);
    await expect.poll(() => value("presence.in_office"), { timeout: 5000 }).toBe(true);
    child.kill();
    await expect.poll(() => value("presence.webcam"), { timeout: 5000 }).toBe(false);
    await expect.poll(() => value("presence.in_office"), { timeout: 5000 }).toBe(false);
  });

  it("sees the microphone through pactl's event stream", async () => {
    expect(value("presence.microphone")).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    copyFileSync(join(fixtures, "audio/source-outputs-recording.txt"), join(audio, "source-outputs.txt"));
    writeFileSync(join(audio, "events"), "Event 'new' on source-output #84\n", { flag: "a" });
    await expect.poll(() => value("presence.microphone"), { timeout: 5000 }).toBe(true);
    expect(store.get("presence.microphone")?.state?.attributes.applications).toEqual(["Firefox (3719)"]);
  });

  it("follows the screen lock and announces sleep before it happens", async () => {
    logind.setLocked(true);
    await expect.poll(() => value("presence.locked"), { timeout: 5000 }).toBe(true);
    expect(value("presence.suspending")).toBe(false);
    logind.prepareForSleep(true);
    await expect.poll(() => value("presence.suspending"), { timeout: 5000 }).toBe(true);
    logind.prepareForSleep(false);
    await expect.poll(() => value("presence.suspending"), { timeout: 5000 }).toBe(false);
    logind.setLocked(false);
    await expect.poll(() => value("presence.locked"), { timeout: 5000 }).toBe(false);
  });

  it("takes the override from Home Assistant, the CLI and the dashboard, and keeps it across a restart", async () => {
    expect(value("presence.in_office")).toBe(false);
    await store.run("presence.set_override", { value: "on" }, "homeassistant");
    expect(value("presence.override")).toBe("on");
    expect(value("presence.in_office")).toBe(true);
    expect(store.get("presence.in_office")?.state?.attributes.reason).toMatch(
      /^override on \(the rule says off/,
    );
    const paths = resolvePaths(sandbox.env);
    expect(JSON.parse(readFileSync(join(paths.stateDir, "presence.json"), "utf8"))).toEqual({
      override: "on",
    });

    await daemon!.stop();
    await start();
    await expect.poll(() => value("presence.override"), { timeout: 5000 }).toBe("on");
    expect(value("presence.in_office")).toBe(true);

    const cli = await runCli(["presence", "override", "off", "--json"], sandbox.env);
    expect(cli.stderr).toBe("");
    expect(JSON.parse(cli.stdout)).toEqual({ override: "off", daemon: true, in_office: false });
    expect(value("presence.override")).toBe("off");
    await expect(store.run("presence.set_override", { value: "maybe" }, "dashboard")).rejects.toThrow(
      /bad arguments for presence.set_override: value/,
    );
    await store.run("presence.set_override", { value: "auto" }, "dashboard");
    expect(value("presence.in_office")).toBe(false);
  });

  it("switches to idle hooks when the desktop's own source goes away", async () => {
    const cli = await runCli(["presence", "idle", "--for", "10m"], sandbox.env);
    expect(cli.code).toBe(0);
    // The ScreenSaver still answers and outranks the hooks.
    expect(value("presence.idle_backend")).toBe("screensaver");
    await screensaver.stop();
    await expect.poll(() => value("presence.idle_backend"), { timeout: 5000 }).toBe("hooks");
    expect(value("presence.idle")).toBe(true);
    expect(value("presence.idle_seconds")).toBe(600);
    await runCli(["presence", "active"], sandbox.env);
    await expect.poll(() => value("presence.idle"), { timeout: 5000 }).toBe(false);
    expect(value("presence.in_office")).toBe(true);
  });

  it("shows a notification sent from Home Assistant's text box", async () => {
    const result = (await store.run("presence.notify", { text: "Dinner is ready" }, "homeassistant")) as {
      id: number;
    };
    const got = notifications.received.find((n) => n.id === result.id);
    expect(got).toMatchObject({ summary: "Dinner is ready", body: "", appName: "deskhub" });
    await store.run(
      "presence.notify",
      { text: "Lights off in 5 min", title: "Office", urgency: "low" },
      "cli",
    );
    expect(notifications.received.at(-1)).toMatchObject({ summary: "Office", body: "Lights off in 5 min" });
    expect(notifications.received.at(-1)!.hints.urgency).toBe(0);
  });

  it("locks from Home Assistant through the first locker that answers, and fails loudly when none does", async () => {
    // PATH holds no loginctl here, so the chain goes on to the ScreenSaver interface.
    const kde = await startScreenSaver(session.address);
    try {
      expect(await store.run("presence.lock", {}, "homeassistant")).toEqual({
        method: "org.freedesktop.ScreenSaver.Lock",
      });
      expect(kde.iface.locks).toBe(1);
    } finally {
      await kde.stop();
    }
    await expect(store.run("presence.lock", {}, "homeassistant")).rejects.toThrow(
      /loginctl is not installed; org\.freedesktop\.ScreenSaver\.Lock: .*ServiceUnknown/,
    );
  });
});
