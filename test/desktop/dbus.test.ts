import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, DbusUnavailableError, DesktopBuses, isAbsent } from "../../src/desktop/dbus.ts";
import { startScreenSaver } from "../fixtures/presence/dbus-services.ts";
import { type PrivateBus, startSessionBus } from "../helpers/dbus.ts";

describe("desktop D-Bus connections", () => {
  let bus: PrivateBus;
  beforeAll(async () => {
    bus = await startSessionBus();
  });
  afterAll(async () => {
    await bus.stop();
  });

  it("says clearly that there is no session bus, and how to get one", async () => {
    const error = await connectBus("session", { PATH: process.env.PATH }).catch((e) => e);
    expect(error).toBeInstanceOf(DbusUnavailableError);
    expect(error.message).toContain("DBUS_SESSION_BUS_ADDRESS is unset");
    expect(error.hint).toContain("DBUS_SESSION_BUS_ADDRESS");
    expect(error.code).toBe(69);
  });

  it("fails fast, without hanging, when the system bus socket is missing", async () => {
    const error = await connectBus("system", { DBUS_SYSTEM_BUS_ADDRESS: "unix:path=/nonexistent/bus" }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(DbusUnavailableError);
    expect(error.message).toContain("/nonexistent/bus");
    expect(error.hint).toContain("systemctl status dbus");
  });

  it("finds the session bus at $XDG_RUNTIME_DIR/bus when the variable is unset, as systemd sets it up", async () => {
    const path = /unix:path=([^,]+)/.exec(bus.address)![1]!;
    const { dirname } = await import("node:path");
    const { symlink, mkdtemp, rm } = await import("node:fs/promises");
    const runtime = await mkdtemp(`${dirname(path)}-rt`);
    await symlink(path, `${runtime}/bus`);
    try {
      const connection = await connectBus("session", { XDG_RUNTIME_DIR: runtime });
      expect(connection.address).toBe(`unix:path=${runtime}/bus`);
      expect(await connection.hasOwner("org.freedesktop.DBus")).toBe(true);
      connection.close();
    } finally {
      await rm(runtime, { recursive: true, force: true });
    }
  });

  it("calls methods, tells an absent service from a failing one, and follows signals", async () => {
    const connection = await connectBus("session", bus.env);
    const absent = await connection
      .call({ destination: "org.gnome.Mutter.IdleMonitor", path: "/", interface: "x.Y", member: "Z" })
      .catch((e) => e);
    expect(isAbsent(absent)).toBe(true);

    const screensaver = await startScreenSaver(bus.address);
    screensaver.setIdleMs(4321);
    const [ms] = await connection.call({
      destination: "org.freedesktop.ScreenSaver",
      path: "/org/freedesktop/ScreenSaver",
      interface: "org.freedesktop.ScreenSaver",
      member: "GetSessionIdleTime",
    });
    expect(ms).toBe(4321);

    const seen: unknown[] = [];
    const unsubscribe = await connection.onSignal(
      {
        sender: "org.freedesktop.ScreenSaver",
        // The fake, like KDE, serves the interface on two paths; each emits the signal.
        path: "/org/freedesktop/ScreenSaver",
        interface: "org.freedesktop.ScreenSaver",
        member: "ActiveChanged",
      },
      ([active]) => seen.push(active),
    );
    screensaver.setActive(true);
    await expect.poll(() => seen, { timeout: 5000 }).toEqual([true]);
    await unsubscribe();
    screensaver.setActive(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([true]);
    await screensaver.stop();
    connection.close();
  });

  it("reconnects lazily after the bus goes away and comes back", async () => {
    const second = await startSessionBus();
    const buses = new DesktopBuses(second.env);
    const first = await buses.session();
    expect(await buses.session()).toBe(first);
    const closed = new Promise<void>((resolve) => first.onClose(() => resolve()));
    await second.stop();
    await closed;
    expect(first.closed).toBe(true);
    await expect(buses.session()).rejects.toBeInstanceOf(DbusUnavailableError);
    await buses.close();
  });
});
