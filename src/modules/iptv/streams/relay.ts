import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { UpstreamError } from "../upstream/errors.ts";
import type { UpstreamResponse } from "../upstream/request.ts";
import { openUpstreamStream } from "./open.ts";
import { pipeToClient } from "./pipe.ts";

/** Response headers a player needs to seek and size a file; nothing that could name the provider. */
const PASSED = [
  "content-type",
  "content-length",
  "content-range",
  "accept-ranges",
  "last-modified",
  "etag",
] as const;

export interface RelayOptions {
  url: URL;
  req: IncomingMessage;
  res: ServerResponse;
  signal: AbortSignal;
  timeoutMs: number;
  idleMs: number;
  retryUntil: number;
  userAgent: string | undefined;
  /** Pass Range/If-Range through (VOD, segments); images do not need it. */
  ranges: boolean;
  /** Only answers of this content type family are relayed (images: `image/`). */
  accept?: RegExp;
  extraHeaders?: OutgoingHttpHeaders;
  keepAlive?: boolean;
  onBytes?(count: number): void;
}

function requestHeaders(options: RelayOptions): Record<string, string | undefined> {
  const { req } = options;
  const headers: Record<string, string | undefined> = { "user-agent": options.userAgent, accept: "*/*" };
  if (options.ranges) {
    const range = req.headers.range;
    if (range && /^bytes=[\d,\s-]{1,200}$/.test(range)) {
      headers.range = range;
      const ifRange = req.headers["if-range"];
      if (typeof ifRange === "string" && ifRange.length < 200) headers["if-range"] = ifRange;
    }
  }
  return headers;
}

function check(answer: UpstreamResponse, options: RelayOptions): void {
  const { status } = answer;
  const okStatus = status === 200 || status === 206 || (status === 416 && options.ranges);
  if (!okStatus) {
    answer.res.destroy();
    throw new UpstreamError("status", `the provider answered HTTP ${status}`, status);
  }
  const type = answer.res.headers["content-type"] ?? "";
  if (options.accept && !options.accept.test(type)) {
    answer.res.destroy();
    throw new UpstreamError("bad_response", "the provider sent something other than what was asked for");
  }
}

/** Opens the provider's answer for a relay (a HEAD the panel refuses is asked as GET). */
export async function openForRelay(options: RelayOptions): Promise<UpstreamResponse> {
  const head = options.req.method === "HEAD";
  const open = (method: "GET" | "HEAD") =>
    openUpstreamStream(options.url, {
      method,
      headers: requestHeaders(options),
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      retryUntil: options.retryUntil,
      keepAlive: options.keepAlive,
    });
  let answer = await open(head ? "HEAD" : "GET");
  if (head && (answer.status === 405 || answer.status === 501)) {
    answer.res.destroy();
    answer = await open("GET");
  }
  check(answer, options);
  return answer;
}

/**
 * Sends an open answer on with end-to-end backpressure: the provider is read only as
 * fast as the client takes it, and a client that goes away destroys the provider
 * request with it. 206 / Content-Range / Accept-Ranges come back as the provider
 * sent them, so seeking works; HEAD gets the provider's headers and no body.
 */
export async function sendAnswer(answer: UpstreamResponse, options: RelayOptions): Promise<void> {
  const headers: OutgoingHttpHeaders = { "x-content-type-options": "nosniff", ...options.extraHeaders };
  for (const name of PASSED) {
    const value = answer.res.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  options.res.writeHead(answer.status, headers);
  if (options.req.method === "HEAD") {
    answer.res.destroy();
    options.res.end();
    return;
  }
  const upstream = answer.res;
  upstream.setTimeout(options.idleMs, () =>
    upstream.destroy(new UpstreamError("timeout", "the provider stopped sending")),
  );
  if (options.onBytes) upstream.on("data", (chunk: Buffer) => options.onBytes!(chunk.length));
  await pipeToClient(options.res, [upstream]);
}

/** Relays one file-like answer: a movie, an episode, an HLS segment, an image. */
export async function relay(options: RelayOptions): Promise<void> {
  await sendAnswer(await openForRelay(options), options);
}
