import { connect, type Socket } from "node:net";
import { ExitCode, UserError } from "../../core/errors.ts";

/**
 * The Wyoming protocol (Rhasspy, Home Assistant's voice services): a JSON header line,
 * then `data_length` bytes of JSON merged into the header's data, then
 * `payload_length` bytes of payload (PCM audio).
 */
export interface WyomingEvent {
  type: string;
  data: Record<string, unknown>;
  payload?: Buffer;
}

/** The protocol version this client speaks, sent in every header as the reference library does. */
const VERSION = "1.5.3";

export function encodeEvent(event: WyomingEvent): Buffer {
  const header: Record<string, unknown> = { type: event.type, version: VERSION };
  const parts: Buffer[] = [];
  const data = Object.keys(event.data).length ? Buffer.from(JSON.stringify(event.data), "utf8") : undefined;
  if (data) header.data_length = data.length;
  if (event.payload?.length) header.payload_length = event.payload.length;
  parts.push(Buffer.from(`${JSON.stringify(header)}\n`, "utf8"));
  if (data) parts.push(data);
  if (event.payload?.length) parts.push(event.payload);
  return Buffer.concat(parts);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a byte stream into events; tolerant of unknown header fields, strict on framing. */
export class WyomingDecoder {
  #buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): WyomingEvent[] {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const events: WyomingEvent[] = [];
    for (;;) {
      const newline = this.#buffer.indexOf(0x0a);
      if (newline < 0) break;
      let header: unknown;
      try {
        header = JSON.parse(this.#buffer.subarray(0, newline).toString("utf8"));
      } catch {
        throw new UserError("the Wyoming server sent a header that is not JSON", { code: ExitCode.dataErr });
      }
      if (!isObject(header) || typeof header.type !== "string") {
        throw new UserError("the Wyoming server sent an event without a type", { code: ExitCode.dataErr });
      }
      const dataLength = typeof header.data_length === "number" ? header.data_length : 0;
      const payloadLength = typeof header.payload_length === "number" ? header.payload_length : 0;
      const total = newline + 1 + dataLength + payloadLength;
      if (this.#buffer.length < total) break;
      let data: Record<string, unknown> = isObject(header.data) ? { ...header.data } : {};
      if (dataLength > 0) {
        const extra = JSON.parse(
          this.#buffer.subarray(newline + 1, newline + 1 + dataLength).toString("utf8"),
        );
        if (isObject(extra)) data = { ...data, ...extra };
      }
      const payload =
        payloadLength > 0 ? Buffer.from(this.#buffer.subarray(total - payloadLength, total)) : undefined;
      events.push({ type: header.type, data, ...(payload ? { payload } : {}) });
      this.#buffer = this.#buffer.subarray(total);
    }
    return events;
  }
}

export function parseTcpUrl(url: string): { host: string; port: number } {
  const match = /^tcp:\/\/([^/:]+):(\d+)$/.exec(url);
  if (!match) {
    throw new UserError(`"${url}" is not a Wyoming address`, {
      code: ExitCode.config,
      hint: "write it as tcp://host:port",
    });
  }
  return { host: match[1]!, port: Number(match[2]) };
}

/** One connection to a Wyoming service: send events, wait for the ones that answer. */
export class WyomingConnection {
  #socket: Socket;
  #decoder = new WyomingDecoder();
  #queue: WyomingEvent[] = [];
  #waiters: Array<() => void> = [];
  #error: Error | undefined;
  #ended = false;
  readonly url: string;

  private constructor(socket: Socket, url: string) {
    this.#socket = socket;
    this.url = url;
    socket.on("data", (chunk: Buffer) => {
      try {
        this.#queue.push(...this.#decoder.push(chunk));
      } catch (error) {
        this.#error = error as Error;
        socket.destroy();
      }
      this.#wake();
    });
    socket.on("error", (error) => {
      this.#error ??= error;
      this.#wake();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#wake();
    });
  }

  static connect(url: string, timeoutMs = 5000): Promise<WyomingConnection> {
    const { host, port } = parseTcpUrl(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new UserError(`the Wyoming service at ${url} did not accept a connection in ${timeoutMs} ms`, {
            code: ExitCode.unavailable,
          }),
        );
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new WyomingConnection(socket, url));
      });
      socket.once("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new UserError(`cannot reach the Wyoming service at ${url}: ${error.code ?? error.message}`, {
            code: ExitCode.unavailable,
            hint: "is wyoming-faster-whisper / wyoming-piper running there? check voice.wyoming",
          }),
        );
      });
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  send(event: WyomingEvent): void {
    this.#socket.write(encodeEvent(event));
  }

  /** The next event from the server; an `error` event becomes an exception. */
  async next(timeoutMs: number): Promise<WyomingEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.#queue.shift();
      if (event) {
        if (event.type === "error") {
          throw new UserError(
            `the Wyoming service at ${this.url} reported: ${String(event.data.text ?? event.data.message ?? "an error")}`,
            {
              code: ExitCode.unavailable,
            },
          );
        }
        return event;
      }
      if (this.#error)
        throw new UserError(`Wyoming connection to ${this.url} failed: ${this.#error.message}`, {
          code: ExitCode.unavailable,
        });
      if (this.#ended)
        throw new UserError(`the Wyoming service at ${this.url} closed the connection`, {
          code: ExitCode.unavailable,
        });
      const left = deadline - Date.now();
      if (left <= 0)
        throw new UserError(`the Wyoming service at ${this.url} did not answer in ${timeoutMs} ms`, {
          code: ExitCode.unavailable,
        });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.#socket.end();
    this.#socket.destroy();
  }
}
