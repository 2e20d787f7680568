import { connect, type Socket } from "node:net";
import { ExitCode, UserError } from "../../core/errors.ts";

/** An event mpv sends on its own: `end-file` with a reason, `property-change`, `seek`... */
export interface MpvEvent {
  event: string;
  id?: number;
  name?: string;
  data?: unknown;
  reason?: string;
  playlist_entry_id?: number;
  file_error?: string;
  [key: string]: unknown;
}

export class MpvCommandError extends Error {
  readonly mpvError: string;

  constructor(command: readonly unknown[], mpvError: string) {
    super(`mpv refused ${String(command[0])}: ${mpvError}`);
    this.name = "MpvCommandError";
    this.mpvError = mpvError;
  }
}

interface Pending {
  command: readonly unknown[];
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * mpv's JSON IPC: one JSON object per line each way. Commands carry a request_id and
 * their replies come back with it, interleaved with events; property observation
 * (`observe_property`) sends `property-change` events tagged with the id given.
 */
export class MpvIpc {
  readonly path: string;
  #socket: Socket;
  #nextRequest = 1;
  #nextObserver = 1;
  #pending = new Map<number, Pending>();
  #eventListeners = new Set<(event: MpvEvent) => void>();
  #observers = new Map<number, (value: unknown) => void>();
  #buffer = "";
  #closed: Promise<void>;

  private constructor(path: string, socket: Socket) {
    this.path = path;
    this.#socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.#receive(chunk));
    socket.on("error", () => {});
    this.#closed = new Promise((resolve) => {
      socket.once("close", () => {
        for (const pending of this.#pending.values()) {
          pending.reject(new UserError("mpv went away", { code: ExitCode.unavailable }));
        }
        this.#pending.clear();
        resolve();
      });
    });
  }

  /** Connects to a running mpv; fails fast (ENOENT, ECONNREFUSED) when none listens there. */
  static connect(path: string): Promise<MpvIpc> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once("connect", () => resolve(new MpvIpc(path, socket)));
      socket.once("error", reject);
    });
  }

  /** Whether an mpv answers on this socket (a stale socket file left by a crash does not). */
  static async alive(path: string): Promise<MpvIpc | undefined> {
    try {
      const ipc = await MpvIpc.connect(path);
      await ipc.command("get_property", "pid");
      return ipc;
    } catch {
      return undefined;
    }
  }

  #receive(chunk: string): void {
    this.#buffer += chunk;
    let newline = this.#buffer.indexOf("\n");
    while (newline >= 0) {
      const line = this.#buffer.slice(0, newline).trim();
      this.#buffer = this.#buffer.slice(newline + 1);
      if (line) this.#dispatch(line);
      newline = this.#buffer.indexOf("\n");
    }
  }

  #dispatch(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof message.event === "string") {
      const event = message as MpvEvent;
      if (event.event === "property-change" && typeof event.id === "number")
        this.#observers.get(event.id)?.(event.data);
      for (const listener of this.#eventListeners) listener(event);
      return;
    }
    const id = message.request_id;
    if (typeof id !== "number") return;
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (message.error === "success") pending.resolve(message.data);
    else pending.reject(new MpvCommandError(pending.command, String(message.error)));
  }

  command<T = unknown>(...command: unknown[]): Promise<T> {
    if (this.#socket.destroyed)
      return Promise.reject(new UserError("mpv is not running", { code: ExitCode.unavailable }));
    const id = this.#nextRequest++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject });
      this.#socket.write(`${JSON.stringify({ command, request_id: id })}\n`);
    });
  }

  get<T = unknown>(property: string): Promise<T> {
    return this.command<T>("get_property", property);
  }

  /** A property, or undefined while mpv has none (`time-pos` with nothing playing). */
  async maybe<T = unknown>(property: string): Promise<T | undefined> {
    try {
      return await this.get<T>(property);
    } catch (error) {
      if (error instanceof MpvCommandError && error.mpvError === "property unavailable") return undefined;
      throw error;
    }
  }

  set(property: string, value: unknown): Promise<unknown> {
    return this.command("set_property", property, value);
  }

  /** Calls `onChange` with the current value and on every change; returns the stop function. */
  async observe(property: string, onChange: (value: unknown) => void): Promise<() => Promise<void>> {
    const id = this.#nextObserver++;
    this.#observers.set(id, onChange);
    await this.command("observe_property", id, property);
    return async () => {
      this.#observers.delete(id);
      if (!this.#socket.destroyed) await this.command("unobserve_property", id).catch(() => {});
    };
  }

  onEvent(listener: (event: MpvEvent) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  get closed(): Promise<void> {
    return this.#closed;
  }

  get isOpen(): boolean {
    return !this.#socket.destroyed;
  }

  close(): void {
    this.#socket.end();
  }
}
