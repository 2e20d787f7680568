import type { IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { UpstreamError } from "../upstream/errors.ts";
import { type BodyHandlers, openRawHttp, type RawHttpStream } from "../upstream/raw-http.ts";
import { requestUpstream } from "../upstream/request.ts";
import { BUSY, type OpenOptions } from "./open.ts";

/** A live channel's body as it arrives, whatever carries it. */
export interface LiveSource {
  contentType: string | undefined;
  start(handlers: BodyHandlers): void;
  pause(): void;
  resume(): void;
  isPaused(): boolean;
  destroy(): void;
}

const NO_LEASE = { buffer: Buffer.alloc(0), retain() {}, release() {} };

/** HTTPS channels go through Node's client; the slices then need no lease. */
class IncomingSource implements LiveSource {
  readonly #res: IncomingMessage;
  readonly contentType: string | undefined;

  constructor(res: IncomingMessage) {
    this.#res = res;
    this.contentType = res.headers["content-type"];
  }

  start(handlers: BodyHandlers): void {
    const res = this.#res;
    res.on("data", (chunk: Buffer) => handlers.data(chunk, NO_LEASE as never));
    res.once("end", () => handlers.end());
    res.once("error", (error) => handlers.error(error));
    res.once("close", () => {
      if (!res.complete)
        handlers.error(new UpstreamError("bad_response", "the provider broke off the stream"));
    });
  }

  pause(): void {
    this.#res.pause();
  }

  resume(): void {
    this.#res.resume();
  }

  isPaused(): boolean {
    return this.#res.isPaused();
  }

  destroy(): void {
    this.#res.destroy();
  }
}

class RawSource implements LiveSource {
  readonly #stream: RawHttpStream;
  readonly contentType: string | undefined;

  constructor(stream: RawHttpStream) {
    this.#stream = stream;
    this.contentType = stream.headers["content-type"];
  }

  start(handlers: BodyHandlers): void {
    this.#stream.start(handlers);
  }

  pause(): void {
    this.#stream.pause();
  }

  resume(): void {
    this.#stream.resume();
  }

  isPaused(): boolean {
    return this.#stream.isPaused();
  }

  destroy(): void {
    this.#stream.destroy();
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

async function openOnce(url: URL, options: OpenOptions): Promise<{ status: number; source: LiveSource }> {
  let current = url;
  for (let hop = 0; hop <= 5; hop++) {
    if (current.protocol === "https:") {
      const answer = await requestUpstream(current, { ...options, maxRedirects: 5 - hop });
      return { status: answer.status, source: new IncomingSource(answer.res) };
    }
    if (current.protocol !== "http:")
      throw new UpstreamError("bad_response", "the provider redirected to an address that is not http(s)");
    const stream = await openRawHttp(current, options);
    const location = stream.headers.location;
    if (!REDIRECTS.has(stream.status) || !location)
      return { status: stream.status, source: new RawSource(stream) };
    stream.destroy();
    try {
      current = new URL(location, current);
    } catch {
      throw new UpstreamError("bad_response", "the provider redirected to an address that does not parse");
    }
  }
  throw new UpstreamError("redirects", "the provider redirected too many times");
}

/**
 * Opens a live channel at the provider: redirects followed here, "line busy" answers
 * retried within the grace window, plain HTTP read straight off the socket.
 */
export async function openLiveSource(
  url: URL,
  options: OpenOptions,
): Promise<{ status: number; source: LiveSource }> {
  let backoff = 100;
  for (;;) {
    const answer = await openOnce(url, options);
    if (!BUSY.has(answer.status) || Date.now() + backoff > options.retryUntil) return answer;
    answer.source.destroy();
    await sleep(backoff, undefined, { signal: options.signal });
    backoff = Math.min(backoff * 2, 800);
  }
}
