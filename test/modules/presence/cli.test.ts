import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePaths } from "../../../src/core/paths.ts";
import { startScreenSaver } from "../../fixtures/presence/dbus-services.ts";
import { type PrivateBus, startSessionBus } from "../../helpers/dbus.ts";
import { makeSandbox, runCli, type Sandbox } from "../../helpers/sandbox.ts";

describe("deskhub presence, without a daemon", () => {
  let bus: PrivateBus;
  let screensaver: Awaited<ReturnType<typeof startScreenSaver>>;
  let sandbox: Sandbox;

  beforeAll(async () => {
    bus = await startSessionBus();
    screensaver = await startScreenSaver(bus.address);
    sandbox = makeSandbox({
      // No loginctl, systemctl or xdg-screensaver: the CLI must not touch this machine's session.
      PATH: "/nonexistent",
      DBUS_SESSION_BUS_ADDRESS: bus.address,
      DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/nonexistent/system_bus_socket",
    });
  });
  afterAll(async () => {
    await screensaver.stop();
    await bus.stop();
    sandbox.cleanup();
  });

  it("status --json probes every signal and names the backend behind each", async () => {
    screensaver.setIdleMs(400_000);
    const { code, stdout, stderr } = await runCli(["presence", "status", "--json"], sandbox.env);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.idle).toMatchObject({
      value: true,
      idle_seconds: 400,
      threshold_seconds: 300,
      backend: "screensaver",
    });
    expect(report.idle.skipped.mutter).toContain("not GNOME");
    expect(report.in_office).toMatchObject({
      value: false,
      override: "auto",
      rule: { all: [], any: ["active", "webcam"] },
    });
    expect(report.microphone).toMatchObject({ value: null, backend: "unavailable" });
    expect(report.microphone.reason).toContain("pactl is not installed");
    expect(report.locked.backend).toBe("screensaver");
    expect(typeof report.system.cpu_percent).toBe("number");
    expect(report.system.disks[0].path).toBe("/");
    expect(report.active_window.backend).toBe("none: no graphical session");
  });

  it("status prints a table for people", async () => {
    screensaver.setIdleMs(5_000);
    const { code, stdout } = await runCli(["presence", "status"], sandbox.env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^in office\s+yes\s+active holds$/m);
    expect(stdout).toMatch(/^idle\s+no \(5 s\)\s+via screensaver$/m);
    expect(stdout).toMatch(/^microphone\s+unavailable\s+no PulseAudio or PipeWire to ask/m);
  });

  it("override saves the choice for the daemon to apply when it starts, and status honours it", async () => {
    const { code, stdout } = await runCli(["presence", "override", "off"], sandbox.env);
    expect(code).toBe(0);
    expect(stdout).toBe("override off saved; the daemon is not running and applies it when it starts\n");
    const paths = resolvePaths(sandbox.env);
    expect(JSON.parse(readFileSync(join(paths.stateDir, "presence.json"), "utf8"))).toEqual({
      override: "off",
    });
    const status = JSON.parse((await runCli(["presence", "status", "--json"], sandbox.env)).stdout);
    expect(status.in_office).toMatchObject({ value: false, override: "off", rule_says: true });
    await runCli(["presence", "override", "auto"], sandbox.env);
  });

  it("override refuses a mode it does not know, with the usage exit code", async () => {
    const { code, stderr } = await runCli(["presence", "override", "maybe"], sandbox.env);
    expect(code).toBe(64);
    expect(stderr).toContain('"maybe" is not an override mode');
    expect(stderr).toContain("deskhub presence override auto|on|off");
  });

  it("idle and active hooks leave the crossing for the daemon, and a bad --for is refused", async () => {
    const idle = await runCli(["presence", "idle", "--for", "5m"], sandbox.env);
    expect(idle.code).toBe(0);
    expect(idle.stderr).toContain("the daemon is not running");
    const file = join(resolvePaths(sandbox.env).runtimeDir, "idle-hook.json");
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved.state).toBe("idle");
    expect(Date.now() - saved.since).toBeGreaterThanOrEqual(300_000);
    await runCli(["presence", "active"], sandbox.env);
    expect(JSON.parse(readFileSync(file, "utf8")).state).toBe("active");
    const bad = await runCli(["presence", "idle", "--for", "soon"], sandbox.env);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--for "soon" is not a duration');
  });

  it("lock runs the configured locker", async () => {
    const marker = join(sandbox.root, "locked");
    mkdirSync(sandbox.configDir, { recursive: true });
    writeFileSync(
      join(sandbox.configDir, "config.yaml"),
      `presence:\n  actions:\n    lock_command: [/usr/bin/touch, ${marker}]\n`,
    );
    try {
      const { code, stdout } = await runCli(["presence", "lock"], sandbox.env);
      expect(code).toBe(0);
      expect(stdout).toBe(`locked (/usr/bin/touch ${marker})\n`);
      expect(existsSync(marker)).toBe(true);
    } finally {
      writeFileSync(join(sandbox.configDir, "config.yaml"), "");
    }
  });

  it("every command has a description and an example", async () => {
    for (const command of ["status", "override", "idle", "active", "lock"]) {
      const { stdout } = await runCli(["presence", command, "--help"], sandbox.env);
      expect(stdout).toMatch(/Examples?:\n\s+deskhub presence /);
    }
  });
});
