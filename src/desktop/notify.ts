import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, errorMessage, UserError } from "../core/errors.ts";
import { which } from "../core/proc.ts";

export interface NotifyOptions {
  summary: string;
  body?: string;
  urgency?: "low" | "normal" | "critical";
  /** Action id -> button label, e.g. `{ approve: "Approve", deny: "Deny" }`; waits for the answer. */
  actions?: Record<string, string>;
  /** How long the notification stays, and how long to wait for an action (default 30 s with actions). */
  timeoutMs?: number;
  appName?: string;
  icon?: string;
  env?: NodeJS.ProcessEnv;
}

export interface NotifyResult {
  /** The id the notification server gave it (0 when notify-send could not say). */
  id: number;
  /** The action the user chose; absent when the notification was closed or the wait timed out. */
  action?: string;
}

const SERVICE = "org.freedesktop.Notifications";
const PATH = "/org/freedesktop/Notifications";
const URGENCY = { low: 0, normal: 1, critical: 2 } as const;
const CONNECT_TIMEOUT_MS = 3000;
const DEFAULT_ACTION_WAIT_MS = 30_000;

/**
 * Shows a desktop notification through the freedesktop Notifications service, over
 * D-Bus directly (dbus-next) and, when that cannot reach the bus (no address, an abstract
 * socket dbus-next cannot open), through `notify-send`. With actions it waits for the
 * user's choice, so a caller can ask Approve/Deny.
 */
export async function notify(options: NotifyOptions): Promise<NotifyResult> {
  const env = options.env ?? process.env;
  const failures: string[] = [];
  const address = sessionBusAddress(env);
  if (address) {
    try {
      return await notifyOverDbus(address, options);
    } catch (error) {
      failures.push(`D-Bus (${address}): ${errorMessage(error)}`);
    }
  } else {
    failures.push(
      "D-Bus: no session bus (DBUS_SESSION_BUS_ADDRESS is unset and $XDG_RUNTIME_DIR/bus does not exist)",
    );
  }
  const notifySend = await which("notify-send", env);
  if (notifySend) {
    try {
      return await notifyWithNotifySend(notifySend, options, env);
    } catch (error) {
      failures.push(`notify-send: ${errorMessage(error)}`);
    }
  } else {
    failures.push("notify-send: not installed (Debian package libnotify-bin)");
  }
  throw new UserError(`cannot show the notification "${options.summary}": ${failures.join("; ")}`, {
    code: ExitCode.unavailable,
    hint: "run a notification server (dunst, mako, swaync, or your desktop's own) in a session with a D-Bus session bus, or install libnotify-bin",
  });
}

function sessionBusAddress(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS;
  // systemd's user bus lives here even when the variable was not passed down (cron, ssh).
  const socket = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "bus") : undefined;
  return socket && existsSync(socket) ? `unix:path=${socket}` : undefined;
}

function actionList(actions: Record<string, string> | undefined): string[] {
  return Object.entries(actions ?? {}).flat();
}

function hasActions(options: NotifyOptions): boolean {
  return Object.keys(options.actions ?? {}).length > 0;
}

function waitMs(options: NotifyOptions): number {
  return options.timeoutMs ?? DEFAULT_ACTION_WAIT_MS;
}

async function notifyOverDbus(address: string, options: NotifyOptions): Promise<NotifyResult> {
  if (!/^[a-z]+:/.test(address))
    throw new Error("DBUS_SESSION_BUS_ADDRESS is not a D-Bus address (such as unix:path=/run/user/1000/bus)");
  const dbus = await import("dbus-next");
  const bus = dbus.sessionBus({ busAddress: address });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer from the bus")), CONNECT_TIMEOUT_MS);
      bus.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      bus.on("error", (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
    const message = (member: string, signature: string, body: unknown[]) =>
      new dbus.Message({ destination: SERVICE, path: PATH, interface: SERVICE, member, signature, body });

    // Signals are subscribed before Notify, so an instant answer is not missed.
    const waiting = hasActions(options);
    const signals: Array<{ member: string; id: number; action?: string }> = [];
    let wake: (() => void) | undefined;
    if (waiting) {
      for (const member of ["ActionInvoked", "NotificationClosed"]) {
        await bus.call(
          new dbus.Message({
            destination: "org.freedesktop.DBus",
            path: "/org/freedesktop/DBus",
            interface: "org.freedesktop.DBus",
            member: "AddMatch",
            signature: "s",
            body: [`type='signal',interface='${SERVICE}',path='${PATH}',member='${member}'`],
          }),
        );
      }
      bus.on("message", (msg) => {
        if (msg.type !== dbus.MessageType.SIGNAL || msg.interface !== SERVICE) return;
        if (msg.member === "ActionInvoked")
          signals.push({ member: msg.member, id: msg.body[0], action: msg.body[1] });
        else if (msg.member === "NotificationClosed") signals.push({ member: msg.member, id: msg.body[0] });
        wake?.();
      });
    }

    const hints = {
      urgency: new dbus.Variant("y", URGENCY[options.urgency ?? "normal"]),
      ...(options.appName ? { "desktop-entry": new dbus.Variant("s", options.appName) } : {}),
    };
    const reply = await bus.call(
      message("Notify", "susssasa{sv}i", [
        options.appName ?? "deskhub",
        0,
        options.icon ?? "",
        options.summary,
        options.body ?? "",
        actionList(options.actions),
        hints,
        options.timeoutMs ?? -1,
      ]),
    );
    const id = Number(reply?.body[0] ?? 0);
    if (!waiting) return { id };

    const deadline = Date.now() + waitMs(options);
    for (;;) {
      const mine = signals.find((s) => s.id === id);
      if (mine) return mine.action === undefined ? { id } : { id, action: mine.action };
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
    // Unanswered: take the question off the screen so a late click cannot act on a stale choice.
    await bus.call(message("CloseNotification", "u", [id])).catch(() => undefined);
    return { id };
  } finally {
    bus.disconnect();
  }
}

function notifyWithNotifySend(
  program: string,
  options: NotifyOptions,
  env: NodeJS.ProcessEnv,
): Promise<NotifyResult> {
  const args = [
    "--print-id",
    `--urgency=${options.urgency ?? "normal"}`,
    `--app-name=${options.appName ?? "deskhub"}`,
  ];
  if (options.icon) args.push(`--icon=${options.icon}`);
  if (options.timeoutMs !== undefined) args.push(`--expire-time=${options.timeoutMs}`);
  const waiting = hasActions(options);
  // --action implies --wait (libnotify 0.7.9+); it prints the chosen action's name.
  for (const [id, label] of Object.entries(options.actions ?? {})) args.push(`--action=${id}=${label}`);
  args.push("--", options.summary);
  if (options.body) args.push(options.body);

  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let timedOut = false;
    const timer = waiting
      ? setTimeout(() => {
          timedOut = true;
          child.kill("SIGTERM");
        }, waitMs(options))
      : undefined;
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      const lines = out
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
      const id = Number(lines[0] ?? 0) || 0;
      if (!timedOut && code !== 0) {
        reject(new Error(err.trim().split("\n")[0] || `exited with ${code}`));
        return;
      }
      const action = lines[1];
      resolve(action && !timedOut ? { id, action } : { id });
    });
  });
}
