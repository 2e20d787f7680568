import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DesktopBuses } from "../../../src/desktop/dbus.ts";
import type { openFirst } from "../../../src/desktop/idle/chain.ts";
import { HookIdle } from "../../../src/desktop/idle/hooks.ts";
import { IdleMonitor, type IdleStatus, probeIdle } from "../../../src/desktop/idle/monitor.ts";
import { startLogind, startMutter, startScreenSaver } from "../../fixtures/presence/dbus-services.ts";
import { type PrivateBus, startSessionBus } from "../../helpers/dbus.ts";

describe("idle sources over a private D-Bus", () => {
  let session: PrivateBus;
  let system: PrivateBus;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [session, system] = await Promise.all([startSessionBus(), startSessionBus()]);
    dir = mkdtempSync(join(tmpdir(), "deskhub-idle-"));
    // No X display, no Wayland: only the buses decide.
    env = {
      PATH: process.env.PATH,
      DBUS_SESSION_BUS_ADDRESS: session.address,
      DBUS_SYSTEM_BUS_ADDRESS: system.address,
    };
  });
  afterAll(async () => {
    await Promise.all([session.stop(), system.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (extra: Partial<Parameters<typeof openFirst>[0]> = {}) => ({
    env,
    buses: new DesktopBuses(env),
    backend: "auto" as const,
    thresholdMs: 60_000,
    hooks: new HookIdle({ file: join(dir, `hook-${Math.random()}.json`) }),
    ...extra,
  });

  it("walks the chain to KDE's ScreenSaver when GNOME is absent, and says why it passed the others", async () => {
    const screensaver = await startScreenSaver(session.address);
    try {
      screensaver.setIdleMs(75_000);
      const o = options();
      const status = await probeIdle(o);
      expect(status.backend).toBe("screensaver");
      expect(status.idle).toBe(true);
      expect(status.idleSeconds).toBe(75);
      expect(status.tried.mutter).toContain("not GNOME");
      screensaver.setIdleMs(3_000);
      const active = await probeIdle(o);
      expect(active).toMatchObject({ backend: "screensaver", idle: false, idleSeconds: 3 });
      await o.buses.close();
    } finally {
      await screensaver.stop();
    }
  });

  it("prefers GNOME's Mutter IdleMonitor when both are there", async () => {
    const [screensaver, mutter] = await Promise.all([
      startScreenSaver(session.address),
      startMutter(session.address),
    ]);
    try {
      mutter.setIdleMs(61_000);
      screensaver.setIdleMs(1_000);
      const o = options();
      expect(await probeIdle(o)).toMatchObject({ backend: "mutter", idle: true, idleSeconds: 61 });
      await o.buses.close();
    } finally {
      await Promise.all([screensaver.stop(), mutter.stop()]);
    }
  });

  it("falls back to logind's IdleHint, which carries the desktop's own timeout", async () => {
    const logind = await startLogind(system.address);
    try {
      const o = options();
      expect(await probeIdle(o)).toMatchObject({ backend: "logind", idle: false, idleSeconds: 0 });
      logind.setIdle(true, Date.now() - 42_000);
      const idle = await probeIdle(o);
      expect(idle.backend).toBe("logind");
      expect(idle.idle).toBe(true);
      expect(idle.idleSeconds).toBeGreaterThanOrEqual(41);
      expect(idle.idleSeconds).toBeLessThan(50);
      expect(idle.tried.screensaver).toContain("GetSessionIdleTime is not available");
      expect(idle.tried.x11).toContain("DISPLAY is unset");
      await o.buses.close();
    } finally {
      await logind.stop();
    }
  });

  it("keeps watching: idle crosses the threshold, and a vanished source hands over to the next", async () => {
    const [screensaver, logind] = await Promise.all([
      startScreenSaver(session.address),
      startLogind(system.address),
    ]);
    const statuses: IdleStatus[] = [];
    const o = options({ thresholdMs: 10_000 });
    const monitor = new IdleMonitor({ ...o, pollMs: 50, rescanMs: 100, onStatus: (s) => statuses.push(s) });
    try {
      screensaver.setIdleMs(2_000);
      await monitor.start();
      expect(monitor.status).toMatchObject({ backend: "screensaver", idle: false });
      screensaver.setIdleMs(12_000);
      await expect.poll(() => monitor.status.idle, { timeout: 5000 }).toBe(true);
      screensaver.setIdleMs(0);
      await expect.poll(() => monitor.status.idle, { timeout: 5000 }).toBe(false);

      logind.setIdle(true, Date.now() - 5_000);
      await screensaver.stop();
      await expect.poll(() => monitor.status.backend, { timeout: 5000 }).toBe("logind");
      expect(monitor.status.idle).toBe(true);
    } finally {
      await monitor.stop();
      await o.buses.close();
      await logind.stop();
    }
    expect(statuses.map((s) => s.backend)).toContain("screensaver");
  });

  it("reports no source, with every reason, when nothing works, and finds one that appears later", async () => {
    const o = options();
    const monitor = new IdleMonitor({ ...o, pollMs: 50, rescanMs: 100, onStatus: () => {} });
    await monitor.start();
    try {
      expect(monitor.status.backend).toBe("none");
      expect(monitor.status.idle).toBeUndefined();
      expect(Object.keys(monitor.status.tried)).toEqual([
        "mutter",
        "screensaver",
        "swayidle",
        "hooks",
        "x11",
        "logind",
      ]);
      expect(monitor.status.tried.swayidle).toContain("WAYLAND_DISPLAY is unset");
      const mutter = await startMutter(session.address);
      try {
        await expect.poll(() => monitor.status.backend, { timeout: 3000 }).toBe("mutter");
      } finally {
        await mutter.stop();
      }
    } finally {
      await monitor.stop();
      await o.buses.close();
    }
  });

  it("uses only the configured backend when one is forced", async () => {
    const screensaver = await startScreenSaver(session.address);
    try {
      const o = options({ backend: "mutter" });
      const status = await probeIdle(o);
      expect(status.backend).toBe("none");
      expect(Object.keys(status.tried)).toEqual(["mutter"]);
      await o.buses.close();
    } finally {
      await screensaver.stop();
    }
  });
});
