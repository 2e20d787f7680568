import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { fromNetworkError, UpstreamError } from "./errors.ts";

export interface UpstreamRequestOptions {
  method?: "GET" | "HEAD";
  headers?: Record<string, string | undefined>;
  signal?: AbortSignal | undefined;
  /** Until the provider's response headers arrive, redirects included. */
  timeoutMs: number;
  /** API calls reuse connections; streams get a connection of their own that dies with them. */
  keepAlive?: boolean;
  maxRedirects?: number;
}

export interface UpstreamResponse {
  res: IncomingMessage;
  /** Where the answer finally came from, after redirects: the base for relative URIs. */
  url: URL;
  status: number;
}

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 16, timeout: 60_000 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 16, timeout: 60_000 }),
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function once(url: URL, options: UpstreamRequestOptions, deadline: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === "https:" ? https : http;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {}))
      if (value !== undefined) headers[name] = value;
    const agent = options.keepAlive ? agents[url.protocol as "http:" | "https:"] : false;
    const req = client.request(url, {
      method: options.method ?? "GET",
      headers,
      agent,
      signal: options.signal,
    });
    const timer = setTimeout(
      () =>
        req.destroy(
          new UpstreamError(
            "timeout",
            `the provider did not answer within ${Math.round(options.timeoutMs / 1000)} s`,
          ),
        ),
      Math.max(0, deadline - Date.now()),
    );
    req.once("response", (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    req.once("error", (error) => {
      clearTimeout(timer);
      reject(fromNetworkError(error));
    });
    req.end();
  });
}

/**
 * One request to the provider (or wherever it redirects). Redirects are followed here,
 * server-side, so a client never learns another host; the caller gets the final URL to
 * resolve relative links against. The response body is the caller's to consume or destroy.
 */
export async function requestUpstream(url: URL, options: UpstreamRequestOptions): Promise<UpstreamResponse> {
  const deadline = Date.now() + options.timeoutMs;
  let current = url;
  let method = options.method ?? "GET";
  for (let hop = 0; hop <= (options.maxRedirects ?? 5); hop++) {
    if (current.protocol !== "http:" && current.protocol !== "https:") {
      throw new UpstreamError("bad_response", "the provider redirected to an address that is not http(s)");
    }
    const res = await once(current, { ...options, method }, deadline);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (!REDIRECTS.has(status) || !location) return { res, url: current, status };
    res.resume();
    if (!options.keepAlive) res.destroy();
    try {
      current = new URL(location, current);
    } catch {
      throw new UpstreamError("bad_response", "the provider redirected to an address that does not parse");
    }
    if (status === 303) method = "GET";
  }
  throw new UpstreamError("redirects", "the provider redirected too many times");
}

/** Reads a whole (small) answer, refusing one larger than `limit` bytes. */
export async function readBody(res: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        res.destroy();
        throw new UpstreamError(
          "bad_response",
          `the provider's answer is larger than ${Math.round(limit / 1048576)} MB`,
        );
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw fromNetworkError(error);
  }
  return Buffer.concat(chunks);
}
