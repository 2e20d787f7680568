import { type DbusConnection, type DesktopBuses, isAbsent, unwrap } from "../dbus.ts";
import { type IdleReading, type IdleSource, SourceUnavailable } from "./source.ts";

export const LOGIN1 = "org.freedesktop.login1";
export const MANAGER_PATH = "/org/freedesktop/login1";
export const MANAGER = "org.freedesktop.login1.Manager";
export const SESSION = "org.freedesktop.login1.Session";
const USER = "org.freedesktop.login1.User";

export interface SessionHints {
  idleHint: boolean;
  /** Epoch ms when the idle hint last changed, or undefined when logind does not know. */
  idleSince: number | undefined;
  lockedHint: boolean;
}

/**
 * This user's logind session on the system bus. A systemd user service is not inside
 * the graphical session, so when XDG_SESSION_ID is unset the user's display session is
 * asked for, then logind's `auto` alias.
 */
export class LogindSession {
  #buses: DesktopBuses;
  #env: NodeJS.ProcessEnv;
  #path: string | undefined;

  constructor(buses: DesktopBuses, env: NodeJS.ProcessEnv) {
    this.#buses = buses;
    this.#env = env;
  }

  bus(): Promise<DbusConnection> {
    return this.#buses.system();
  }

  async path(): Promise<string> {
    if (this.#path) return this.#path;
    const bus = await this.bus();
    const manager = { destination: LOGIN1, path: MANAGER_PATH, interface: MANAGER };
    const tried: string[] = [];
    try {
      const id = this.#env.XDG_SESSION_ID;
      if (id) {
        const [path] = await bus.call({ ...manager, member: "GetSession", signature: "s", body: [id] });
        this.#path = String(path);
        return this.#path;
      }
      tried.push("XDG_SESSION_ID is unset");
      const uid = typeof process.getuid === "function" ? process.getuid() : 0;
      const [userPath] = await bus.call({ ...manager, member: "GetUser", signature: "u", body: [uid] });
      const display = (await bus.getProperty(LOGIN1, String(userPath), USER, "Display")) as
        | [string, string]
        | undefined;
      if (display?.[1] && display[1] !== "/") {
        this.#path = display[1];
        return this.#path;
      }
      tried.push("the user has no display session");
      const auto = "/org/freedesktop/login1/session/auto";
      await bus.getProperty(LOGIN1, auto, SESSION, "Id");
      this.#path = auto;
      return this.#path;
    } catch (error) {
      if (isAbsent(error) || /NoSuch(Session|User)/.test(String(error))) {
        throw new SourceUnavailable(
          `no logind session for this user (${[...tried, (error as Error).message].join("; ")})`,
        );
      }
      throw error;
    }
  }

  async hints(): Promise<SessionHints> {
    const bus = await this.bus();
    const props = await bus.getAllProperties(LOGIN1, await this.path(), SESSION);
    const since = typeof props.IdleSinceHint === "bigint" ? Number(props.IdleSinceHint / 1000n) : 0;
    return {
      idleHint: props.IdleHint === true,
      idleSince: since > 0 ? since : undefined,
      lockedHint: props.LockedHint === true,
    };
  }

  /** Calls back when the session's properties change (IdleHint, LockedHint). */
  async onChange(listener: (changed: Record<string, unknown>) => void): Promise<() => Promise<void>> {
    const bus = await this.bus();
    const path = await this.path();
    return bus.onSignal(
      { sender: LOGIN1, path, interface: "org.freedesktop.DBus.Properties", member: "PropertiesChanged" },
      ([iface, changed]) => {
        if (iface !== SESSION) return;
        const values: Record<string, unknown> = {};
        for (const [key, value] of Object.entries((changed as Record<string, unknown>) ?? {}))
          values[key] = unwrap(value);
        listener(values);
      },
    );
  }
}

/**
 * logind's IdleHint: set by the desktop (GNOME, KDE, or an idle daemon calling
 * SetIdleHint) after its own timeout, so it carries that timeout, not deskhub's.
 */
export class LogindIdle implements IdleSource {
  readonly name = "logind" as const;
  #session: LogindSession;
  #now: () => number;
  #unsubscribe: (() => Promise<void>) | undefined;
  #listeners = new Set<() => void>();

  constructor(session: LogindSession, now: () => number = Date.now) {
    this.#session = session;
    this.#now = now;
  }

  async open(): Promise<void> {
    await this.read();
    this.#unsubscribe = await this.#session.onChange((changed) => {
      if ("IdleHint" in changed) for (const listener of this.#listeners) listener();
    });
  }

  async read(): Promise<IdleReading> {
    const hints = await this.#session.hints();
    if (!hints.idleHint) return { idleMs: 0, idle: false };
    return { idleMs: hints.idleSince ? Math.max(0, this.#now() - hints.idleSince) : 0, idle: true };
  }

  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
