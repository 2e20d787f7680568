import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DesktopBuses } from "../../../src/desktop/dbus.ts";
import { HookIdle, readHookFile } from "../../../src/desktop/idle/hooks.ts";
import { IdleMonitor, probeIdle } from "../../../src/desktop/idle/monitor.ts";
import { SwayidleIdle } from "../../../src/desktop/idle/swayidle.ts";
import { startLogind } from "../../fixtures/presence/dbus-services.ts";
import { type PrivateBus, startSessionBus } from "../../helpers/dbus.ts";
import { repoRoot } from "../../helpers/sandbox.ts";

const fakeBin = join(repoRoot, "test/fixtures/presence/bin-swayidle");

describe("event-driven idle sources: idle hooks and swayidle", () => {
  let system: PrivateBus;
  let dir: string;
  beforeAll(async () => {
    system = await startSessionBus();
    dir = mkdtempSync(join(tmpdir(), "deskhub-hooks-"));
  });
  afterAll(async () => {
    await system.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the last hook crossing in a file a restarted daemon reads first", async () => {
    const file = join(dir, "hook.json");
    let now = 1_000_000;
    const hooks = new HookIdle({ file, now: () => now });
    await expect(hooks.open()).rejects.toThrow(/on-timeout = deskhub presence idle/);
    await hooks.report("idle", 300_000);
    expect(await readHookFile(file)).toEqual({ state: "idle", since: 700_000 });
    now += 20_000;
    const again = new HookIdle({ file, now: () => now });
    await again.open();
    expect(await again.read()).toEqual({ idle: true, idleMs: 320_000 });
    await again.report("active");
    expect(await again.read()).toEqual({ idle: false, idleMs: 0 });
  });

  it("switches from logind to the hooks as soon as hypridle reports a crossing", async () => {
    const logind = await startLogind(system.address);
    const env = {
      PATH: process.env.PATH,
      DBUS_SYSTEM_BUS_ADDRESS: system.address,
      DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent",
    };
    const buses = new DesktopBuses(env);
    const hooks = new HookIdle({ file: join(dir, "switch.json") });
    const monitor = new IdleMonitor({
      env,
      buses,
      backend: "auto",
      thresholdMs: 60_000,
      hooks,
      pollMs: 5_000,
      onStatus: () => {},
    });
    try {
      await monitor.start();
      expect(monitor.status.backend).toBe("logind");
      await monitor.hook("idle", 120_000);
      await expect
        .poll(() => monitor.status, { timeout: 5000 })
        .toMatchObject({ backend: "hooks", idle: true });
      expect(monitor.status.idleSeconds).toBeGreaterThanOrEqual(120);
      await monitor.hook("active");
      await expect
        .poll(() => monitor.status)
        .toMatchObject({ backend: "hooks", idle: false, idleSeconds: 0 });
    } finally {
      await monitor.stop();
      await buses.close();
      await logind.stop();
    }
  });

  it("a saved hook crossing is picked up by a one-shot probe", async () => {
    const file = join(dir, "probe.json");
    await new HookIdle({ file }).report("idle", 600_000);
    const env = {
      PATH: process.env.PATH,
      DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent",
      DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/nonexistent",
    };
    const buses = new DesktopBuses(env);
    const status = await probeIdle({
      env,
      buses,
      backend: "auto",
      thresholdMs: 60_000,
      hooks: new HookIdle({ file }),
    });
    expect(status).toMatchObject({ backend: "hooks", idle: true });
    expect(status.idleSeconds).toBeGreaterThanOrEqual(600);
    await buses.close();
  });

  it("runs swayidle with the threshold as its timeout and follows its crossings", async () => {
    const argsFile = join(dir, "swayidle-args");
    const env = {
      PATH: `${fakeBin}:${process.env.PATH}`,
      WAYLAND_DISPLAY: "wayland-1",
      FAKE_SWAYIDLE_PROTOCOL: "1",
      FAKE_SWAYIDLE_ARGS: argsFile,
    };
    let now = 5_000_000;
    const source = new SwayidleIdle({ env, thresholdMs: 240_000, now: () => now });
    let changes = 0;
    source.onChange(() => changes++);
    await source.open();
    try {
      expect(readFileSync(argsFile, "utf8").trim()).toBe("240");
      expect(await source.read()).toEqual({ idle: false, idleMs: 0 });
      const pid = Number(
        readFileSync(`/proc/self/task/${process.pid}/children`, "utf8")
          .trim()
          .split(/\s+/)
          .find((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").includes("swayidle")),
      );
      process.kill(pid, "SIGUSR1");
      await expect.poll(() => changes, { timeout: 5000 }).toBe(1);
      now += 30_000;
      expect(await source.read()).toEqual({ idle: true, idleMs: 270_000 });
      process.kill(pid, "SIGUSR2");
      await expect.poll(() => changes, { timeout: 5000 }).toBe(2);
      expect(await source.read()).toEqual({ idle: false, idleMs: 0 });
    } finally {
      await source.close();
    }
  });

  it("reports swayidle's own complaint when the compositor lacks ext-idle-notify", async () => {
    const env = { PATH: `${fakeBin}:${process.env.PATH}`, WAYLAND_DISPLAY: "wayland-1" };
    const source = new SwayidleIdle({ env, thresholdMs: 60_000 });
    await expect(source.open()).rejects.toThrow(/Display doesn't support idle protocol/);
    await source.close();
  });
});
