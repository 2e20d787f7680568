import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Message, MessageBus } from "dbus-next";
import { ExitCode, UserError } from "../core/errors.ts";

export type BusKind = "session" | "system";

/** No bus to talk to: a headless box, a tty, a container without /run/dbus. */
export class DbusUnavailableError extends UserError {
  readonly bus: BusKind;
  constructor(bus: BusKind, message: string, hint: string) {
    super(message, { code: ExitCode.unavailable, hint });
    this.name = "DbusUnavailableError";
    this.bus = bus;
  }
}

/** A method call that reached the bus and came back with a D-Bus error. */
export class DbusCallError extends Error {
  /** The D-Bus error name, e.g. `org.freedesktop.DBus.Error.ServiceUnknown`. */
  readonly type: string;
  constructor(what: string, type: string, text: string) {
    super(`${what}: ${type}${text ? `: ${text}` : ""}`);
    this.name = "DbusCallError";
    this.type = type;
  }
}

/** Error names meaning "nobody here implements that", as opposed to a failing service. */
export const ABSENT_ERRORS: ReadonlySet<string> = new Set([
  "org.freedesktop.DBus.Error.ServiceUnknown",
  "org.freedesktop.DBus.Error.NameHasNoOwner",
  "org.freedesktop.DBus.Error.UnknownMethod",
  "org.freedesktop.DBus.Error.UnknownObject",
  "org.freedesktop.DBus.Error.UnknownInterface",
  "org.freedesktop.DBus.Error.UnknownProperty",
  "org.freedesktop.DBus.Error.NotSupported",
]);

export function isAbsent(error: unknown): boolean {
  return error instanceof DbusCallError && ABSENT_ERRORS.has(error.type);
}

/**
 * The session bus as the D-Bus spec and systemd define it: the variable, else the
 * per-user socket systemd creates at $XDG_RUNTIME_DIR/bus.
 */
export function sessionBusAddress(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS;
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && existsSync(join(runtime, "bus"))) return `unix:path=${join(runtime, "bus")}`;
  return undefined;
}

export function systemBusAddress(env: NodeJS.ProcessEnv): string {
  return env.DBUS_SYSTEM_BUS_ADDRESS || "unix:path=/run/dbus/system_bus_socket";
}

export interface DbusCall {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: unknown[];
  /** A stuck service must not stall a poll loop; 3 s unless told. */
  timeoutMs?: number;
}

export interface SignalMatch {
  /** Well-known or unique name; the bus filters on it. */
  sender?: string;
  path?: string;
  interface: string;
  member: string;
}

const DBUS = {
  destination: "org.freedesktop.DBus",
  path: "/org/freedesktop/DBus",
  interface: "org.freedesktop.DBus",
};
const PROPS = "org.freedesktop.DBus.Properties";

function matchRule(match: SignalMatch): string {
  const parts = [`type='signal'`, `interface='${match.interface}'`, `member='${match.member}'`];
  if (match.sender) parts.push(`sender='${match.sender}'`);
  if (match.path) parts.push(`path='${match.path}'`);
  return parts.join(",");
}

/** dbus-next wraps variants; callers want plain values (bigint stays bigint). */
export function unwrap(value: unknown): unknown {
  if (value && typeof value === "object" && "signature" in value && "value" in value) {
    return unwrap((value as { value: unknown }).value);
  }
  return value;
}

/**
 * One connection to a bus, with the few operations deskhub needs: method calls with a
 * timeout, properties, and signal subscriptions. Raw messages, no introspection round
 * trip, so a poll costs one request and one reply.
 */
export class DbusConnection {
  readonly kind: BusKind;
  readonly address: string;
  /** The underlying dbus-next bus, for exporting objects (tests, services). */
  readonly bus: MessageBus;
  #messageCtor: typeof Message;
  #signalHandlers = new Set<{ match: SignalMatch; handler: (body: unknown[]) => void }>();
  #closeHandlers = new Set<(error?: Error) => void>();
  #closed = false;

  constructor(kind: BusKind, address: string, bus: MessageBus, messageCtor: typeof Message) {
    this.kind = kind;
    this.address = address;
    this.bus = bus;
    this.#messageCtor = messageCtor;
    bus.on("message", (msg: Message) => {
      // MessageType.SIGNAL is 4 on the wire.
      if ((msg.type as unknown as number) !== 4) return;
      for (const { match, handler } of this.#signalHandlers) {
        if (msg.interface !== match.interface || msg.member !== match.member) continue;
        if (match.path && msg.path !== match.path) continue;
        handler(msg.body as unknown[]);
      }
    });
    const stream = (bus as unknown as { _connection: { stream: NodeJS.EventEmitter } })._connection.stream;
    stream.once("close", () => this.#markClosed());
    bus.on("error", (error: Error) => this.#markClosed(error));
  }

  get closed(): boolean {
    return this.#closed;
  }

  #markClosed(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const handler of this.#closeHandlers) handler(error);
  }

  /** Called once when the connection drops (the bus restarted, the session ended). */
  onClose(handler: (error?: Error) => void): () => void {
    this.#closeHandlers.add(handler);
    return () => this.#closeHandlers.delete(handler);
  }

  async call(call: DbusCall): Promise<unknown[]> {
    const what = `${call.interface}.${call.member} on ${call.destination}`;
    if (this.#closed)
      throw new DbusCallError(what, "org.freedesktop.DBus.Error.Disconnected", "connection closed");
    const message = new this.#messageCtor({
      destination: call.destination,
      path: call.path,
      interface: call.interface,
      member: call.member,
      signature: call.signature ?? "",
      body: call.body ?? [],
    });
    const timeoutMs = call.timeoutMs ?? 3000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new DbusCallError(what, "org.freedesktop.DBus.Error.NoReply", `no reply in ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
    });
    try {
      const reply = await Promise.race([this.bus.call(message), timeout]);
      return (reply?.body as unknown[] | undefined) ?? [];
    } catch (error) {
      if (error instanceof DbusCallError) throw error;
      const e = error as { type?: string; text?: string; message?: string };
      throw new DbusCallError(what, e.type ?? "org.freedesktop.DBus.Error.Failed", e.text ?? e.message ?? "");
    } finally {
      clearTimeout(timer);
    }
  }

  async getProperty(destination: string, path: string, iface: string, name: string): Promise<unknown> {
    const [value] = await this.call({
      destination,
      path,
      interface: PROPS,
      member: "Get",
      signature: "ss",
      body: [iface, name],
    });
    return unwrap(value);
  }

  async getAllProperties(destination: string, path: string, iface: string): Promise<Record<string, unknown>> {
    const [all] = await this.call({
      destination,
      path,
      interface: PROPS,
      member: "GetAll",
      signature: "s",
      body: [iface],
    });
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries((all as Record<string, unknown>) ?? {}))
      out[key] = unwrap(value);
    return out;
  }

  async hasOwner(name: string): Promise<boolean> {
    const [owned] = await this.call({ ...DBUS, member: "NameHasOwner", signature: "s", body: [name] });
    return owned === true;
  }

  /** Subscribes to a signal; the returned function unsubscribes. */
  async onSignal(match: SignalMatch, handler: (body: unknown[]) => void): Promise<() => Promise<void>> {
    const rule = matchRule(match);
    await this.call({ ...DBUS, member: "AddMatch", signature: "s", body: [rule] });
    const entry = { match, handler };
    this.#signalHandlers.add(entry);
    return async () => {
      this.#signalHandlers.delete(entry);
      if (this.#closed) return;
      await this.call({ ...DBUS, member: "RemoveMatch", signature: "s", body: [rule] }).catch(() => {});
    };
  }

  close(): void {
    this.#markClosed();
    this.#signalHandlers.clear();
    try {
      this.bus.disconnect();
    } catch {
      // Already gone; nothing left to release.
    }
  }
}

function unavailable(kind: BusKind, address: string | undefined, reason: string): DbusUnavailableError {
  const hint =
    kind === "session"
      ? "run inside a desktop session, or set DBUS_SESSION_BUS_ADDRESS (for a systemd user service: `systemctl --user import-environment DBUS_SESSION_BUS_ADDRESS`)"
      : "is dbus running? (`systemctl status dbus`); set DBUS_SYSTEM_BUS_ADDRESS if it listens elsewhere";
  return new DbusUnavailableError(
    kind,
    `no D-Bus ${kind} bus${address ? ` at ${address}` : ""}: ${reason}`,
    hint,
  );
}

/** Connects and says hello; fails with DbusUnavailableError, never hangs or crashes. */
export async function connectBus(
  kind: BusKind,
  env: NodeJS.ProcessEnv,
  options: { timeoutMs?: number } = {},
): Promise<DbusConnection> {
  const address = kind === "session" ? sessionBusAddress(env) : systemBusAddress(env);
  if (!address) {
    throw unavailable(
      kind,
      undefined,
      "DBUS_SESSION_BUS_ADDRESS is unset and $XDG_RUNTIME_DIR/bus does not exist",
    );
  }
  const dbus = await import("dbus-next");
  let bus: MessageBus;
  try {
    bus = dbus.sessionBus({ busAddress: address });
  } catch (error) {
    throw unavailable(kind, address, (error as Error).message);
  }
  const timeoutMs = options.timeoutMs ?? 3000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      fail(new Error(`no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      bus.removeListener("connect", ok);
      try {
        bus.disconnect();
      } catch {
        // The socket never opened.
      }
      reject(unavailable(kind, address, error.message));
    };
    const ok = () => {
      clearTimeout(timer);
      bus.removeListener("error", fail);
      resolve();
    };
    bus.once("connect", ok);
    bus.once("error", fail);
  });
  // dbus-next emits "error" on a dropped socket; without a listener that would throw.
  bus.on("error", () => {});
  return new DbusConnection(kind, address, bus, dbus.Message);
}

/**
 * The desktop's two buses, connected on first use and reconnected after a drop, so a
 * module that never needs D-Bus never opens it and a restarted bus heals itself.
 */
export class DesktopBuses {
  readonly env: NodeJS.ProcessEnv;
  #pending = new Map<BusKind, Promise<DbusConnection>>();

  constructor(env: NodeJS.ProcessEnv) {
    this.env = env;
  }

  session(): Promise<DbusConnection> {
    return this.#get("session");
  }

  system(): Promise<DbusConnection> {
    return this.#get("system");
  }

  #get(kind: BusKind): Promise<DbusConnection> {
    let pending = this.#pending.get(kind);
    if (pending) return pending;
    pending = connectBus(kind, this.env).then(
      (connection) => {
        connection.onClose(() => {
          if (this.#pending.get(kind) === pending) this.#pending.delete(kind);
        });
        return connection;
      },
      (error: unknown) => {
        // A failed attempt is not cached: the bus may appear later (login after boot).
        this.#pending.delete(kind);
        throw error;
      },
    );
    this.#pending.set(kind, pending);
    return pending;
  }

  async close(): Promise<void> {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const pending of all) {
      try {
        (await pending).close();
      } catch {
        // Never connected; nothing to close.
      }
    }
  }
}
