import { setTimeout as sleep } from "node:timers/promises";
import { requestUpstream, type UpstreamResponse } from "../upstream/request.ts";

/**
 * Statuses panels answer when a line is at its connection limit. Right after a channel
 * switch the provider may still count the stream that was just closed, so these are
 * retried until the grace window ends.
 */
export const BUSY = new Set([403, 429, 458, 503, 509]);

export interface OpenOptions {
  method?: "GET" | "HEAD";
  headers: Record<string, string | undefined>;
  signal: AbortSignal;
  timeoutMs: number;
  /** Epoch ms until which a "line busy" answer is retried. */
  retryUntil: number;
  /** Short fetches (segments, images) reuse connections; streams get their own. */
  keepAlive?: boolean;
}

/** Opens a stream at the provider, retrying "line busy" answers within the grace window. */
export async function openUpstreamStream(url: URL, options: OpenOptions): Promise<UpstreamResponse> {
  let backoff = 100;
  for (;;) {
    const answer = await requestUpstream(url, {
      method: options.method,
      headers: options.headers,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      keepAlive: options.keepAlive,
    });
    if (!BUSY.has(answer.status) || Date.now() + backoff > options.retryUntil) return answer;
    answer.res.destroy();
    await sleep(backoff, undefined, { signal: options.signal });
    backoff = Math.min(backoff * 2, 800);
  }
}
