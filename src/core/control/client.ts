import { connect, type Socket } from "node:net";
import { ExitCode, UserError } from "../errors.ts";
import type { Paths } from "../paths.ts";
import { type EventLine, lineSplitter, type Method, type Response, socketPath } from "./protocol.ts";

export const NOT_RUNNING_HINT =
  "start it with `deskhub up` (or `systemctl --user start deskhub` once installed)";

/** A connection to the running daemon's control socket. */
export class DaemonClient {
  #socket: Socket;
  #nextId = 1;
  #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #eventListeners = new Set<(event: EventLine) => void>();
  #closed: Promise<void>;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on(
      "data",
      lineSplitter((line) => {
        const message = JSON.parse(line) as Response | EventLine;
        if ("event" in message) {
          for (const listener of this.#eventListeners) listener(message);
          return;
        }
        const waiter = this.#pending.get(message.id);
        if (!waiter) return;
        this.#pending.delete(message.id);
        if ("error" in message) {
          waiter.reject(
            new UserError(message.error.message, {
              code: message.error.code as ExitCode,
              hint: message.error.hint,
            }),
          );
        } else {
          waiter.resolve(message.result);
        }
      }),
    );
    this.#closed = new Promise((resolve) => {
      socket.on("close", () => {
        for (const waiter of this.#pending.values()) {
          waiter.reject(new UserError("the daemon closed the connection", { code: ExitCode.unavailable }));
        }
        this.#pending.clear();
        resolve();
      });
    });
    socket.on("error", () => {});
  }

  /** Connects, or fails with a message that says the daemon is not running and how to start it. */
  static connect(paths: Pick<Paths, "runtimeDir">): Promise<DaemonClient> {
    const path = socketPath(paths);
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once("connect", () => resolve(new DaemonClient(socket)));
      socket.once("error", (error: NodeJS.ErrnoException) => {
        const absent = error.code === "ENOENT" || error.code === "ECONNREFUSED";
        reject(
          absent
            ? new UserError("the deskhub daemon is not running", {
                code: ExitCode.unavailable,
                hint: NOT_RUNNING_HINT,
              })
            : new UserError(`cannot reach the daemon at ${path}: ${error.message}`, {
                code: error.code === "EACCES" ? ExitCode.noPerm : ExitCode.unavailable,
              }),
        );
      });
    });
  }

  call<T = unknown>(method: Method, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#socket.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  /** Runs a command in the daemon, as the CLI does for `deskhub voice start`. */
  run<T = unknown>(command: string, args: Record<string, unknown> = {}): Promise<T> {
    return this.call<T>("run", { command, args });
  }

  onEvent(listener: (event: EventLine) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  get closed(): Promise<void> {
    return this.#closed;
  }

  close(): void {
    this.#socket.end();
  }
}

/** Connects, runs one command in the daemon, disconnects. */
export async function runInDaemon<T = unknown>(
  paths: Pick<Paths, "runtimeDir">,
  command: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const client = await DaemonClient.connect(paths);
  try {
    return await client.run<T>(command, args);
  } finally {
    client.close();
  }
}
