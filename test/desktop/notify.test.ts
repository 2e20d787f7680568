import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isUserError } from "../../src/core/errors.ts";
import { notify } from "../../src/desktop/notify.ts";
import {
  type NotificationServer,
  startNotificationServer,
} from "../fixtures/calendar/notification-server.ts";
import { type PrivateBus, startSessionBus } from "../helpers/dbus.ts";

/** `unix:path=/tmp/x/bus,guid=...` -> `/tmp/x/bus` */
function socketOf(address: string): string {
  return /unix:path=([^,;]+)/.exec(address)![1]!;
}

describe("notify over a private session bus", () => {
  let bus: PrivateBus;
  let server: NotificationServer;

  beforeAll(async () => {
    bus = await startSessionBus();
    server = await startNotificationServer(bus.address, {
      respond: (n) => (n.summary === "Turn off the office lights?" ? "deny" : undefined),
    });
  });
  afterAll(async () => {
    await server?.stop();
    await bus?.stop();
  });

  it("delivers summary, body, urgency, app name and icon to the notification server", async () => {
    const result = await notify({
      summary: "Sportlov tomorrow",
      body: "No school 16–20 Feb",
      urgency: "critical",
      appName: "deskhub-calendar",
      icon: "x-office-calendar",
      env: bus.env,
    });
    const got = server.received.find((n) => n.id === result.id)!;
    expect(got).toMatchObject({
      summary: "Sportlov tomorrow",
      body: "No school 16–20 Feb",
      appName: "deskhub-calendar",
      icon: "x-office-calendar",
      actions: {},
      expireTimeout: -1,
    });
    expect(got.hints.urgency).toBe(2);
    // libnotify adds sender-pid; its absence shows the message came straight over D-Bus.
    expect(got.hints).not.toHaveProperty("sender-pid");
    expect(result.action).toBeUndefined();
  });

  it("waits for the user's choice when actions are given", async () => {
    const result = await notify({
      summary: "Turn off the office lights?",
      actions: { approve: "Approve", deny: "Deny" },
      timeoutMs: 5000,
      env: bus.env,
    });
    expect(result.action).toBe("deny");
    expect(server.received.find((n) => n.id === result.id)?.actions).toEqual({
      approve: "Approve",
      deny: "Deny",
    });
  });

  it("returns without an action when nobody answers in time, and the question is gone", async () => {
    const result = await notify({
      summary: "Unanswered",
      actions: { ok: "OK" },
      timeoutMs: 300,
      env: bus.env,
    });
    expect(result.action).toBeUndefined();
    expect(server.closed.map((c) => c.id)).toContain(result.id);
  });

  it("finds the bus at $XDG_RUNTIME_DIR/bus when DBUS_SESSION_BUS_ADDRESS is not passed down", async () => {
    const env = { PATH: "/nonexistent", XDG_RUNTIME_DIR: dirname(socketOf(bus.address)) };
    const result = await notify({ summary: "From a cron job", env });
    expect(server.received.find((n) => n.id === result.id)?.summary).toBe("From a cron job");
  });
});

describe("fallback to notify-send", () => {
  let dir: string;
  let daemon: ChildProcess;
  let pathAddress: string;
  let abstractAddress: string;
  let server: NotificationServer;

  // dbus-next cannot open abstract sockets (its native helper is optional), which is what
  // many desktops hand out; the bus listens on both so the test server can join by path.
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "deskhub-notify-"));
    pathAddress = `unix:path=${join(dir, "bus")}`;
    abstractAddress = `unix:abstract=${dir}/abstract`;
    writeFileSync(
      join(dir, "bus.conf"),
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>${pathAddress}</listen><listen>${abstractAddress}</listen>
<auth>EXTERNAL</auth><policy context="default"><allow send_destination="*"/><allow receive_sender="*"/><allow own="*"/></policy></busconfig>`,
    );
    daemon = spawn(
      "dbus-daemon",
      [`--config-file=${join(dir, "bus.conf")}`, "--nofork", "--print-address=1"],
      {
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    await new Promise((resolve) => daemon.stdout!.once("data", resolve));
    server = await startNotificationServer(pathAddress, {
      respond: (n) => (n.actions.approve ? "approve" : undefined),
    });
  });
  afterAll(async () => {
    await server?.stop();
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((resolve) => daemon.once("exit", resolve));
      daemon.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends through notify-send when dbus-next cannot open the bus", async () => {
    const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: abstractAddress };
    const result = await notify({ summary: "Höstlov next week", body: "27–31 Oct", urgency: "low", env });
    const got = server.received.find((n) => n.id === result.id)!;
    expect(result.id).toBeGreaterThan(0);
    expect(got).toMatchObject({ summary: "Höstlov next week", body: "27–31 Oct", appName: "deskhub" });
    expect(got.hints.urgency).toBe(0);
    expect(got.hints).toHaveProperty("sender-pid");
  });

  it("gets the chosen action back from notify-send", async () => {
    const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: abstractAddress };
    const result = await notify({
      summary: "Approve?",
      actions: { approve: "Approve", deny: "Deny" },
      timeoutMs: 5000,
      env,
    });
    expect(result.action).toBe("approve");
  });
});

describe("when nothing can show a notification", () => {
  it("says what was tried and what to do", async () => {
    const runtime = mkdtempSync(join(tmpdir(), "deskhub-nobus-"));
    try {
      const error = await notify({
        summary: "x",
        env: { PATH: "/nonexistent", XDG_RUNTIME_DIR: runtime },
      }).catch((e: unknown) => e);
      expect(isUserError(error)).toBe(true);
      const e = error as Error & { code: number; hint: string };
      expect(e.code).toBe(69);
      expect(e.message).toContain("no session bus");
      expect(e.message).toContain("libnotify-bin");
      expect(e.hint).toMatch(/notification server/);
    } finally {
      rmSync(runtime, { recursive: true, force: true });
    }
  });

  it("names the missing notification server when the bus has none", async () => {
    const bus = await startSessionBus();
    try {
      const error = (await notify({ summary: "x", env: bus.env }).catch((e: unknown) => e)) as Error;
      expect(isUserError(error)).toBe(true);
      expect(error.message).toContain("org.freedesktop.Notifications");
    } finally {
      await bus.stop();
    }
  });
});
