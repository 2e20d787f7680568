import net from "node:net";
import { ChunkedDecoder } from "./chunked.ts";
import { fromNetworkError, UpstreamError } from "./errors.ts";

/** Reads of up to 256 kB: a quarter of the system calls of Node's 64 kB default. */
const READ_SIZE = 256 * 1024;
const POOL_MAX = 64;
const HEAD_LIMIT = 32 * 1024;
const pool: Buffer[] = [];

/**
 * One read buffer, shared by the body slices cut from it. Whoever keeps a slice past
 * the `data` call (a socket write in flight) retains it and releases it when done; the
 * buffer then goes back to the pool, so a running stream allocates nothing.
 */
export class Lease {
  readonly buffer: Buffer;
  #refs = 1;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  retain(): void {
    this.#refs++;
  }

  release(): void {
    if (this.#refs <= 0) return;
    this.#refs--;
    if (this.#refs === 0 && this.buffer.length === READ_SIZE && pool.length < POOL_MAX)
      pool.push(this.buffer);
  }
}

export interface BodyHandlers {
  data(slice: Buffer, lease: Lease): void;
  end(): void;
  error(error: Error): void;
}

interface Framing {
  kind: "chunked" | "length" | "close";
  remaining: number;
  decoder: ChunkedDecoder | undefined;
}

/**
 * A streaming HTTP/1.1 response read straight off a socket: the head parsed once, the
 * body handed on as slices of pooled read buffers. Live channels go through this rather
 * than Node's HTTP client, whose per-chunk parsing and allocation cost several times the
 * CPU per gigabyte of a C proxy.
 */
export class RawHttpStream {
  readonly url: URL;
  status = 0;
  readonly headers: Record<string, string> = {};
  readonly #socket: net.Socket;
  #framing: Framing = { kind: "close", remaining: 0, decoder: undefined };
  #head: Buffer[] = [];
  #headSize = 0;
  #handlers: BodyHandlers | undefined;
  #early: Array<{ slice: Buffer; lease: Lease }> = [];
  #finished = false;
  #onHead: ((error?: Error) => void) | undefined;

  constructor(url: URL, socket: net.Socket, onHead: (error?: Error) => void) {
    this.url = url;
    this.#socket = socket;
    this.#onHead = onHead;
  }

  /** Called by the socket for every read. */
  read(size: number, buffer: Buffer): void {
    const lease = new Lease(buffer);
    try {
      let chunk = buffer.subarray(0, size);
      if (this.#onHead) {
        const body = this.#parseHead(chunk);
        if (!body) return;
        chunk = body;
      }
      this.#body(chunk, lease);
    } catch (error) {
      this.#fail(
        new UpstreamError("bad_response", `the provider's answer was broken (${(error as Error).message})`),
      );
    } finally {
      lease.release();
    }
  }

  /** Collects the head; returns the body bytes that came with it once it is complete. */
  #parseHead(chunk: Buffer): Buffer | undefined {
    const before = this.#headSize;
    this.#head.push(chunk);
    this.#headSize += chunk.length;
    const all = this.#head.length === 1 ? chunk : Buffer.concat(this.#head);
    const end = all.indexOf("\r\n\r\n", Math.max(0, before - 3), "latin1");
    if (end === -1) {
      if (this.#headSize > HEAD_LIMIT) throw new Error("an endless header");
      return undefined;
    }
    const lines = all.subarray(0, end).toString("latin1").split("\r\n");
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
    if (!status) throw new Error("no HTTP status line");
    this.status = Number(status[1]);
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) this.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (/\bchunked\b/i.test(this.headers["transfer-encoding"] ?? "")) {
      this.#framing = { kind: "chunked", remaining: 0, decoder: new ChunkedDecoder() };
    } else if (this.headers["content-length"] !== undefined && /^\d+$/.test(this.headers["content-length"])) {
      this.#framing = {
        kind: "length",
        remaining: Number(this.headers["content-length"]),
        decoder: undefined,
      };
    }
    this.#head = [];
    const onHead = this.#onHead!;
    this.#onHead = undefined;
    // Hold the body until someone takes it.
    this.#socket.pause();
    onHead();
    return chunk.subarray(end + 4 - before);
  }

  #body(chunk: Buffer, lease: Lease): void {
    if (chunk.length === 0 || this.#finished) return;
    const emit = (slice: Buffer) => {
      if (this.#handlers) this.#handlers.data(slice, lease);
      else {
        lease.retain();
        this.#early.push({ slice, lease });
      }
    };
    const framing = this.#framing;
    if (framing.kind === "chunked") {
      // Panels send chunks of a few kB; their data is moved together over the chunk
      // headers in the read buffer, so a whole read goes on in one write, not ten.
      let start = -1;
      let end = 0;
      framing.decoder!.push(chunk, (slice) => {
        const at = slice.byteOffset - chunk.byteOffset;
        if (start === -1) {
          start = at;
          end = at;
        }
        if (at !== end) chunk.copy(chunk, end, at, at + slice.length);
        end += slice.length;
      });
      if (start !== -1 && end > start) emit(chunk.subarray(start, end));
      if (framing.decoder!.done) this.#end();
    } else if (framing.kind === "length") {
      const take = Math.min(framing.remaining, chunk.length);
      emit(chunk.subarray(0, take));
      framing.remaining -= take;
      if (framing.remaining === 0) this.#end();
    } else emit(chunk);
  }

  #end(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#socket.destroy();
    this.#handlers?.end();
  }

  #fail(error: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#socket.destroy();
    if (this.#onHead) {
      const onHead = this.#onHead;
      this.#onHead = undefined;
      onHead(error);
    } else this.#handlers?.error(error);
  }

  /** The socket closed: the end of a close-delimited body, or the provider breaking off. */
  closed(error?: Error): void {
    if (this.#finished) return;
    if (!error && !this.#onHead && this.#framing.kind === "close") {
      if (this.#handlers) this.#end();
      else this.#finished = true;
      return;
    }
    this.#fail(
      error
        ? fromNetworkError(error)
        : new UpstreamError("bad_response", "the provider broke off the stream"),
    );
  }

  /** Starts the body flowing to `handlers`. */
  start(handlers: BodyHandlers): void {
    this.#handlers = handlers;
    for (const { slice, lease } of this.#early.splice(0)) {
      handlers.data(slice, lease);
      lease.release();
    }
    if (this.#finished) handlers.end();
    else this.#socket.resume();
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    if (this.#handlers) this.#socket.resume();
  }

  isPaused(): boolean {
    return this.#socket.isPaused();
  }

  destroy(): void {
    this.#finished = true;
    for (const { lease } of this.#early.splice(0)) lease.release();
    this.#socket.destroy();
  }
}

function clean(value: string): string {
  return value.replace(/[\r\n]+/g, " ");
}

/** Opens a GET on plain HTTP and resolves once the response head is in (no redirects followed). */
export function openRawHttp(
  url: URL,
  options: { headers: Record<string, string | undefined>; signal: AbortSignal; timeoutMs: number },
): Promise<RawHttpStream> {
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) return reject(new UpstreamError("aborted", "the request was cancelled"));
    let stream: RawHttpStream | undefined;
    const socket = net.connect({
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(url.port || 80),
      noDelay: true,
      onread: {
        buffer: () => pool.pop() ?? Buffer.allocUnsafe(READ_SIZE),
        callback: (size, buffer) => {
          stream?.read(size, buffer as Buffer);
          return true;
        },
      },
    });
    const timer = setTimeout(
      () =>
        socket.destroy(
          new UpstreamError(
            "timeout",
            `the provider did not answer within ${Math.round(options.timeoutMs / 1000)} s`,
          ),
        ),
      options.timeoutMs,
    );
    const abort = () => socket.destroy(new UpstreamError("aborted", "the request was cancelled"));
    options.signal.addEventListener("abort", abort, { once: true });
    stream = new RawHttpStream(url, socket, (error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(stream!);
    });
    let failure: Error | undefined;
    socket.once("error", (error) => {
      failure = error;
    });
    socket.once("close", () => {
      clearTimeout(timer);
      options.signal.removeEventListener("abort", abort);
      stream!.closed(failure);
    });
    // HTTP/1.0, so the provider sends the body unframed: taking chunk headers out of
    // every read moved each byte once more, a fifth of the proxy's CPU per gigabyte.
    // A provider that chunks anyway is still decoded.
    const lines = [`GET ${url.pathname}${url.search} HTTP/1.0`, `Host: ${url.host}`];
    for (const [name, value] of Object.entries(options.headers))
      if (value !== undefined) lines.push(`${name}: ${clean(value)}`);
    lines.push("Connection: close", "", "");
    socket.write(lines.join("\r\n"));
  });
}
