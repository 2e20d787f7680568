import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import { ExitCode, UserError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { which } from "../core/proc.ts";
import type { DesktopBuses } from "./dbus.ts";
import { LOGIN1, LogindSession, MANAGER, MANAGER_PATH, SESSION } from "./idle/logind.ts";

const run = promisify(execFile);

async function tryCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const [program, ...args] = argv;
  if (!program) throw new Error("empty command");
  const path = await which(program, env);
  if (!path) throw new Error(`${program} is not installed`);
  try {
    await run(path, args, { env, timeout: 10_000 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${argv.join(" ")}: ${(e.stderr?.trim() || e.message).split("\n")[0]}`);
  }
}

async function firstThatWorks(
  what: string,
  attempts: readonly (readonly [string, () => Promise<void>])[],
  hint: string,
): Promise<{ method: string }> {
  const failures: string[] = [];
  for (const [method, attempt] of attempts) {
    try {
      await attempt();
      return { method };
    } catch (error) {
      failures.push(`${method}: ${(error as Error).message}`);
    }
  }
  throw new UserError(`cannot ${what}: ${failures.join("; ")}`, { code: ExitCode.unavailable, hint });
}

export interface ActionOptions {
  env: NodeJS.ProcessEnv;
  buses: DesktopBuses;
  /** A command that wins over the chain (`[swaylock, -f]`, `[hyprlock]`). */
  command?: readonly string[];
}

/**
 * Locks the screen: a configured command, else logind (which asks the session's
 * locker), else the ScreenSaver D-Bus interface, else xdg-screensaver. logind accepts
 * the request even when nothing listens for it (a bare sway), hence the command.
 */
export function lockScreen(options: ActionOptions): Promise<{ method: string }> {
  const { env, buses } = options;
  const attempts: [string, () => Promise<void>][] = [];
  if (options.command?.length)
    attempts.push([options.command.join(" "), () => tryCommand(options.command!, env)]);
  attempts.push([
    "loginctl lock-session",
    async () => {
      const id = env.XDG_SESSION_ID ?? (await sessionId(buses, env));
      await tryCommand(["loginctl", "lock-session", ...(id ? [id] : [])], env);
    },
  ]);
  attempts.push([
    "org.freedesktop.ScreenSaver.Lock",
    async () => {
      const bus = await buses.session();
      await bus.call({
        destination: "org.freedesktop.ScreenSaver",
        path: "/org/freedesktop/ScreenSaver",
        interface: "org.freedesktop.ScreenSaver",
        member: "Lock",
      });
    },
  ]);
  attempts.push(["xdg-screensaver lock", () => tryCommand(["xdg-screensaver", "lock"], env)]);
  return firstThatWorks(
    "lock the screen",
    attempts,
    "set presence.actions.lock_command to your locker, e.g. [swaylock, -f] or [hyprlock]",
  );
}

/** Suspends: a configured command, else `systemctl suspend`, else logind over D-Bus. */
export function suspendMachine(options: ActionOptions): Promise<{ method: string }> {
  const { env, buses } = options;
  const attempts: [string, () => Promise<void>][] = [];
  if (options.command?.length)
    attempts.push([options.command.join(" "), () => tryCommand(options.command!, env)]);
  attempts.push(["systemctl suspend", () => tryCommand(["systemctl", "suspend"], env)]);
  attempts.push([
    "org.freedesktop.login1.Manager.Suspend",
    async () => {
      const bus = await buses.system();
      await bus.call({
        destination: LOGIN1,
        path: MANAGER_PATH,
        interface: MANAGER,
        member: "Suspend",
        signature: "b",
        body: [false],
      });
    },
  ]);
  return firstThatWorks(
    "suspend",
    attempts,
    "set presence.actions.suspend_command, e.g. [systemctl, hibernate]",
  );
}

async function sessionId(buses: DesktopBuses, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const session = new LogindSession(buses, env);
    const bus = await session.bus();
    return String(await bus.getProperty(LOGIN1, await session.path(), SESSION, "Id"));
  } catch {
    return undefined;
  }
}

export interface ActiveWindow {
  title: string;
  /** Application class (X11 WM_CLASS, Wayland app id), when known. */
  appClass?: string;
  pid?: number;
}

const HyprWindow = z.looseObject({
  title: z.string().optional(),
  class: z.string().optional(),
  pid: z.number().optional(),
});

/** `hyprctl activewindow -j`: `{}` when no window has focus. */
export function parseHyprctlWindow(json: string): ActiveWindow | undefined {
  const window = HyprWindow.parse(JSON.parse(json));
  if (window.title === undefined && window.class === undefined) return undefined;
  return {
    title: window.title ?? "",
    appClass: window.class || undefined,
    pid: window.pid && window.pid > 0 ? window.pid : undefined,
  };
}

export type WindowBackend = "hyprctl" | "xdotool" | "none";

/** Which active-window source this session has, and why not when none. */
export async function windowBackend(
  env: NodeJS.ProcessEnv,
): Promise<{ backend: WindowBackend; reason?: string }> {
  if (env.HYPRLAND_INSTANCE_SIGNATURE) {
    if (await which("hyprctl", env)) return { backend: "hyprctl" };
    return { backend: "none", reason: "Hyprland without hyprctl on PATH" };
  }
  if (env.WAYLAND_DISPLAY)
    return { backend: "none", reason: "this Wayland compositor has no active-window query" };
  if (env.DISPLAY) {
    if (await which("xdotool", env)) return { backend: "xdotool" };
    return { backend: "none", reason: "X11 without xdotool" };
  }
  return { backend: "none", reason: "no graphical session" };
}

/** The focused window, or undefined when none has focus. */
export async function activeWindow(
  env: NodeJS.ProcessEnv,
  backend: WindowBackend,
): Promise<ActiveWindow | undefined> {
  if (backend === "hyprctl") {
    const { stdout } = await run("hyprctl", ["activewindow", "-j"], { env, timeout: 2000 });
    return parseHyprctlWindow(stdout);
  }
  if (backend === "xdotool") {
    try {
      const { stdout } = await run("xdotool", ["getactivewindow", "getwindowpid", "getwindowname"], {
        env,
        timeout: 2000,
      });
      const [pid, ...title] = stdout.replace(/\n$/, "").split("\n");
      return { title: title.join("\n"), pid: Number(pid) || undefined };
    } catch (error) {
      // No focused window (the desktop, a screen locker) makes xdotool fail.
      if ((error as { code?: unknown }).code === 1) return undefined;
      throw error;
    }
  }
  return undefined;
}

/** Hyprland's event socket (socket2): in $XDG_RUNTIME_DIR/hypr since 0.40, in /tmp/hypr before. */
export function hyprlandEventSocket(env: NodeJS.ProcessEnv): string | undefined {
  const signature = env.HYPRLAND_INSTANCE_SIGNATURE;
  if (!signature) return undefined;
  const candidates = [
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "hypr", signature, ".socket2.sock") : undefined,
    join("/tmp/hypr", signature, ".socket2.sock"),
  ];
  return candidates.find((path) => path && existsSync(path));
}

/**
 * One socket2 line: `activewindow>>CLASS,TITLE` (`activewindow>>,` when nothing has
 * focus). Undefined for other events. The class never holds a comma; the title may.
 */
export function parseHyprlandEvent(line: string): { window: ActiveWindow | undefined } | undefined {
  const prefix = "activewindow>>";
  if (!line.startsWith(prefix)) return undefined;
  const data = line.slice(prefix.length);
  const comma = data.indexOf(",");
  const appClass = comma < 0 ? data : data.slice(0, comma);
  const title = comma < 0 ? "" : data.slice(comma + 1);
  if (!appClass && !title) return { window: undefined };
  return { window: { title, appClass: appClass || undefined } };
}

/** Follows focus changes on Hyprland's event socket; `onEnd` runs when the socket closes. */
export function watchHyprlandWindows(
  socketPath: string,
  onWindow: (window: ActiveWindow | undefined) => void,
  onEnd: (error?: Error) => void,
): { close(): void } {
  const socket = connect(socketPath);
  let pending = "";
  let closing = false;
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const event = parseHyprlandEvent(line);
      if (event) onWindow(event.window);
    }
  });
  let failure: Error | undefined;
  socket.on("error", (error) => (failure = error));
  socket.on("close", () => {
    if (!closing) onEnd(failure);
  });
  return {
    close() {
      closing = true;
      socket.destroy();
    },
  };
}

export type LockBackend = "logind" | "screensaver" | "none";

export interface LockState {
  locked: boolean | undefined;
  backend: LockBackend;
  reason?: string;
}

/**
 * Whether the session is locked: logind's LockedHint (GNOME, KDE, hyprlock set it),
 * else org.freedesktop.ScreenSaver.GetActive. Changes arrive as signals.
 */
export class LockWatcher {
  #session: LogindSession;
  #buses: DesktopBuses;
  #onChange: (state: LockState) => void;
  #unsubscribe: (() => Promise<void>) | undefined;
  #state: LockState = { locked: undefined, backend: "none" };

  constructor(options: { env: NodeJS.ProcessEnv; buses: DesktopBuses; onChange(state: LockState): void }) {
    this.#buses = options.buses;
    this.#session = new LogindSession(options.buses, options.env);
    this.#onChange = options.onChange;
  }

  get state(): LockState {
    return this.#state;
  }

  /** One reading without subscribing, for `presence status`. */
  async probe(): Promise<LockState> {
    const reasons: string[] = [];
    try {
      return { locked: (await this.#session.hints()).lockedHint, backend: "logind" };
    } catch (error) {
      reasons.push(`logind: ${(error as Error).message}`);
    }
    try {
      return { locked: await this.#screensaverActive(), backend: "screensaver" };
    } catch (error) {
      reasons.push(`screensaver: ${(error as Error).message}`);
    }
    return { locked: undefined, backend: "none", reason: reasons.join("; ") };
  }

  async start(): Promise<void> {
    this.#set(await this.probe());
    if (this.#state.backend === "logind") {
      this.#unsubscribe = await this.#session.onChange((changed) => {
        if ("LockedHint" in changed) {
          this.#set({ locked: changed.LockedHint === true, backend: "logind" });
        }
      });
    } else if (this.#state.backend === "screensaver") {
      const bus = await this.#buses.session();
      this.#unsubscribe = await bus.onSignal(
        {
          sender: "org.freedesktop.ScreenSaver",
          // KDE serves the interface on two paths and signals on both; one is enough.
          path: "/org/freedesktop/ScreenSaver",
          interface: "org.freedesktop.ScreenSaver",
          member: "ActiveChanged",
        },
        ([active]) => this.#set({ locked: active === true, backend: "screensaver" }),
      );
    }
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  async #screensaverActive(): Promise<boolean> {
    const bus = await this.#buses.session();
    const [active] = await bus.call({
      destination: "org.freedesktop.ScreenSaver",
      path: "/org/freedesktop/ScreenSaver",
      interface: "org.freedesktop.ScreenSaver",
      member: "GetActive",
    });
    return active === true;
  }

  #set(state: LockState): void {
    this.#state = state;
    this.#onChange(state);
  }
}

/**
 * logind's PrepareForSleep, with a delay inhibitor so there is time to act before the
 * machine sleeps (the Home Assistant bridge publishes offline). The inhibitor is held
 * by a `systemd-inhibit --mode=delay` child, since handing a file descriptor over
 * D-Bus needs a native module dbus-next does not ship; closing the child's stdin ends
 * it and releases the lock. logind waits at most InhibitDelayMaxSec (5 s by default).
 */
export class SleepWatcher {
  #buses: DesktopBuses;
  #env: NodeJS.ProcessEnv;
  #log: Logger | undefined;
  #graceMs: number;
  #onSleep: () => void | Promise<void>;
  #onResume: () => void | Promise<void>;
  #unsubscribe: (() => Promise<void>) | undefined;
  #inhibitor: ChildProcess | undefined;
  #handling: Promise<void> = Promise.resolve();
  /** `systemd-inhibit` when a delay lock is held, else why not. */
  inhibitor: string = "none";

  constructor(options: {
    env: NodeJS.ProcessEnv;
    buses: DesktopBuses;
    log?: Logger;
    /** How long to hold the machine awake after telling everyone it is going to sleep. */
    graceMs: number;
    onSleep(): void | Promise<void>;
    onResume(): void | Promise<void>;
  }) {
    this.#buses = options.buses;
    this.#env = options.env;
    this.#log = options.log;
    this.#graceMs = options.graceMs;
    this.#onSleep = options.onSleep;
    this.#onResume = options.onResume;
  }

  async start(): Promise<void> {
    const bus = await this.#buses.system();
    this.#unsubscribe = await bus.onSignal(
      { sender: LOGIN1, path: MANAGER_PATH, interface: MANAGER, member: "PrepareForSleep" },
      ([start]) => {
        // In order: a resume that arrives while the sleep side is still releasing its
        // lock (logind stops waiting after InhibitDelayMaxSec) must take a new one after.
        this.#handling = this.#handling.then(() => this.#prepare(start === true));
      },
    );
    await this.#inhibit();
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#handling;
    await this.#release();
  }

  async #prepare(start: boolean): Promise<void> {
    try {
      if (start) {
        this.#log?.info("the machine is about to sleep");
        // logind gives delay locks InhibitDelayMaxSec (5 s by default) in all.
        await Promise.race([this.#onSleep(), new Promise((r) => setTimeout(r, 3000).unref())]);
        await new Promise((r) => setTimeout(r, this.#graceMs));
        await this.#release();
      } else {
        this.#log?.info("the machine woke up");
        await this.#onResume();
        await this.#inhibit();
      }
    } catch (error) {
      this.#log?.error({ err: error }, "sleep handling failed");
    }
  }

  async #inhibit(): Promise<void> {
    if (this.#inhibitor) return;
    const program = await which("systemd-inhibit", this.#env);
    if (!program) {
      this.inhibitor = "none: systemd-inhibit is not installed";
      return;
    }
    const child = spawn(
      program,
      [
        "--what=sleep",
        "--mode=delay",
        "--who=deskhub",
        "--why=Tell Home Assistant this desktop goes offline",
        "cat",
      ],
      { env: this.#env, stdio: ["pipe", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    child.stdin?.on("error", () => {});
    this.#inhibitor = child;
    this.inhibitor = "systemd-inhibit";
    child.once("exit", (code) => {
      if (this.#inhibitor !== child) return;
      this.#inhibitor = undefined;
      this.inhibitor = `none: systemd-inhibit exited with ${code}: ${stderr.trim().split("\n")[0] ?? ""}`;
      this.#log?.warn(
        { code, stderr: stderr.trim() },
        "cannot hold a sleep delay lock; offline may not reach Home Assistant",
      );
    });
    child.once("error", () => {});
  }

  async #release(): Promise<void> {
    const child = this.#inhibitor;
    this.#inhibitor = undefined;
    if (!child) return;
    this.inhibitor = "released";
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill("SIGTERM"), 1000);
    await exited;
    clearTimeout(timer);
  }
}
