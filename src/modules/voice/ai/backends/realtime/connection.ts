import type { OpenAIRealtimeWS } from "openai/realtime/ws";
import type {
  RealtimeClientEvent,
  RealtimeServerEvent,
  RealtimeSessionCreateRequest,
} from "openai/resources/realtime/realtime";
import type { ClientOptions } from "ws";
import { ExitCode, UserError } from "../../../../../core/errors.ts";

export type ServerEvent = RealtimeServerEvent;
export type ClientEvent = RealtimeClientEvent;

export interface ConnectOptions {
  apiKey: string;
  /** https://api.openai.com/v1 by default; the socket goes to wss://<host><path>/realtime?model=... */
  baseURL?: string | undefined;
  model: string;
  session: RealtimeSessionCreateRequest;
  /** Options for the `ws` socket (a test's own CA). */
  wsOptions?: ClientOptions | undefined;
  timeoutMs?: number;
}

/**
 * One Realtime WebSocket session through the openai SDK's `OpenAIRealtimeWS`: opened,
 * configured with a GA `session.update` (type "realtime") and confirmed by
 * `session.updated` before anyone speaks into it.
 */
export class RealtimeConnection {
  #rt: OpenAIRealtimeWS;
  #listeners = new Set<(event: ServerEvent) => void>();
  #failures = new Set<(error: Error) => void>();
  #closed = false;

  private constructor(rt: OpenAIRealtimeWS) {
    this.#rt = rt;
    rt.on("event", (event) => {
      for (const listener of [...this.#listeners]) listener(event);
    });
    rt.on("error", (error) => this.#fail(explain(error.message)));
    rt.socket.on("close", (code, reason) => {
      this.#closed = true;
      this.#fail(
        new UserError(`the Realtime connection closed (${code}${reason.length ? ` ${reason}` : ""})`, {
          code: ExitCode.unavailable,
        }),
      );
    });
  }

  static async open(options: ConnectOptions): Promise<RealtimeConnection> {
    const [{ default: OpenAI }, { OpenAIRealtimeWS }] = await Promise.all([
      import("openai"),
      import("openai/realtime/ws"),
    ]);
    const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL ?? null });
    const rt = new OpenAIRealtimeWS({ model: options.model, options: options.wsOptions }, client);
    const connection = new RealtimeConnection(rt);
    const timeoutMs = options.timeoutMs ?? 15_000;
    try {
      await connection.waitFor((e) => e.type === "session.created", { timeoutMs });
      connection.send({ type: "session.update", session: options.session });
      await connection.waitFor((e) => e.type === "session.updated", { timeoutMs });
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(event: ClientEvent): void {
    if (this.#closed)
      throw new UserError("the Realtime connection is closed", { code: ExitCode.unavailable });
    this.#rt.send(event);
  }

  on(listener: (event: ServerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls `listener` when the connection fails (an API error event, or the socket closing). */
  onFailure(listener: (error: Error) => void): () => void {
    this.#failures.add(listener);
    return () => this.#failures.delete(listener);
  }

  /** The next server event matching `match`; an error event or a closed socket rejects. */
  waitFor<T extends ServerEvent>(
    match: (event: ServerEvent) => event is T,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<T>;
  waitFor(
    match: (event: ServerEvent) => boolean,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<ServerEvent>;
  waitFor(
    match: (event: ServerEvent) => boolean,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ) {
    return new Promise<ServerEvent>((resolve, reject) => {
      const cleanup = () => {
        off();
        offFail();
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const off = this.on((event) => {
        if (!match(event)) return;
        cleanup();
        resolve(event);
      });
      const offFail = this.onFailure((error) => {
        cleanup();
        reject(error);
      });
      const timer = setTimeout(() => {
        cleanup();
        reject(new UserError("the Realtime API did not answer in time", { code: ExitCode.unavailable }));
      }, options.timeoutMs ?? 15_000);
      const onAbort = () => {
        cleanup();
        reject(new Error("aborted"));
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#rt.close();
  }

  #fail(error: Error): void {
    for (const listener of [...this.#failures]) listener(error);
  }
}

function explain(message: string): Error {
  if (/\b401\b/.test(message) || /invalid_api_key|incorrect api key/i.test(message)) {
    return new UserError("OpenAI rejected the API key for the Realtime API", {
      code: ExitCode.config,
      hint: "run `deskhub voice setup` to store a valid key, or set OPENAI_API_KEY",
    });
  }
  return new UserError(`Realtime API: ${message}`, { code: ExitCode.unavailable });
}
