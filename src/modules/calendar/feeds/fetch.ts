import { createHash } from "node:crypto";
import type { DatabaseSync } from "../../../core/db.ts";
import { errorMessage } from "../../../core/errors.ts";
import { registerSecret, scrub } from "../../../core/redact.ts";
import { parseFeed } from "./expand.ts";

const MAX_BYTES = 20 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export interface FeedRow {
  id: string;
  url_hash: string;
  body: string | null;
  etag: string | null;
  last_modified: string | null;
  fetched_at: number | null;
  checked_at: number | null;
  attempted_at: number | null;
  error: string | null;
  error_at: number | null;
}

export interface FeedState {
  id: string;
  /** ok: the last request worked; error: it failed (the last good copy, if any, is still used). */
  status: "ok" | "error" | "never";
  /** The last good copy of the feed. */
  body?: string;
  /** When the copy was downloaded (a 200). */
  fetchedAt?: number;
  /** When the source last answered (a 200 or a 304). */
  checkedAt?: number;
  attemptedAt?: number;
  error?: string;
  /** What the last request did. */
  outcome?: "downloaded" | "not_modified" | "failed";
}

/** Google's secret addresses are webcal:// in some places; they are plain HTTPS. */
export function httpUrl(url: string): string {
  return url.replace(/^webcals?:\/\//i, "https://");
}

function hashUrl(url: string): string {
  return createHash("sha256").update(url).digest("hex");
}

function rowToState(row: FeedRow | undefined, id: string, outcome?: FeedState["outcome"]): FeedState {
  if (!row) return { id, status: "never" };
  const state: FeedState = { id, status: row.error ? "error" : row.checked_at ? "ok" : "never" };
  if (row.body) state.body = row.body;
  if (row.fetched_at) state.fetchedAt = row.fetched_at;
  if (row.checked_at) state.checkedAt = row.checked_at;
  if (row.attempted_at) state.attemptedAt = row.attempted_at;
  if (row.error) state.error = row.error;
  if (outcome) state.outcome = outcome;
  return state;
}

/** The cached state of a feed; a cache made for another URL counts as none. */
export function cachedFeed(db: DatabaseSync, id: string, url: string): FeedState {
  const row = db.prepare("SELECT * FROM feeds WHERE id = ?").get(id) as FeedRow | undefined;
  return rowToState(row && row.url_hash === hashUrl(url) ? row : undefined, id);
}

async function readLimited(response: Response): Promise<string> {
  const length = Number(response.headers.get("content-length") ?? 0);
  if (length > MAX_BYTES) throw new Error(`the feed is ${length} bytes, more than ${MAX_BYTES}`);
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BYTES) {
      await reader.cancel();
      throw new Error(`the feed is larger than ${MAX_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Fetches a feed with a conditional request (If-None-Match / If-Modified-Since from the
 * last answer). A 304 keeps the copy; a 200 replaces it only if it parses as iCalendar;
 * anything else is recorded as the feed's error and the last good copy stays.
 */
export async function refreshFeed(
  db: DatabaseSync,
  feed: { id: string; url: string; timeZone: string },
  options: { now?: () => number; userAgent?: string; signal?: AbortSignal } = {},
): Promise<FeedState> {
  const now = options.now ?? Date.now;
  // The address is the secret: an error message must not carry it.
  registerSecret(feed.url);
  const url = httpUrl(feed.url);
  registerSecret(url);
  const urlHash = hashUrl(feed.url);
  const existing = db.prepare("SELECT * FROM feeds WHERE id = ?").get(feed.id) as FeedRow | undefined;
  const row = existing && existing.url_hash === urlHash ? existing : undefined;
  const headers: Record<string, string> = {
    accept: "text/calendar, */*;q=0.5",
    "user-agent": options.userAgent ?? "deskhub-calendar",
  };
  if (row?.body && row.etag) headers["if-none-match"] = row.etag;
  if (row?.body && row.last_modified) headers["if-modified-since"] = row.last_modified;
  const attemptedAt = now();
  const signals = [AbortSignal.timeout(TIMEOUT_MS), ...(options.signal ? [options.signal] : [])];

  const save = (fields: Partial<FeedRow>) => {
    const merged: FeedRow = {
      id: feed.id,
      url_hash: urlHash,
      body: row?.body ?? null,
      etag: row?.etag ?? null,
      last_modified: row?.last_modified ?? null,
      fetched_at: row?.fetched_at ?? null,
      checked_at: row?.checked_at ?? null,
      attempted_at: attemptedAt,
      error: null,
      error_at: null,
      ...fields,
    };
    db.prepare(
      `INSERT INTO feeds (id, url_hash, body, etag, last_modified, fetched_at, checked_at, attempted_at, error, error_at)
       VALUES (:id, :url_hash, :body, :etag, :last_modified, :fetched_at, :checked_at, :attempted_at, :error, :error_at)
       ON CONFLICT (id) DO UPDATE SET url_hash = :url_hash, body = :body, etag = :etag, last_modified = :last_modified,
         fetched_at = :fetched_at, checked_at = :checked_at, attempted_at = :attempted_at, error = :error, error_at = :error_at`,
    ).run({ ...merged });
    return merged;
  };

  try {
    const response = await fetch(url, { headers, redirect: "follow", signal: AbortSignal.any(signals) });
    if (response.status === 304 && row?.body) {
      await response.body?.cancel();
      return rowToState(save({ checked_at: attemptedAt }), feed.id, "not_modified");
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    const body = await readLimited(response);
    try {
      parseFeed(body, feed.timeZone);
    } catch (error) {
      const type = response.headers.get("content-type") ?? "no content type";
      throw new Error(`the answer (${type}) is not an iCalendar file: ${errorMessage(error)}`);
    }
    return rowToState(
      save({
        body,
        etag: response.headers.get("etag"),
        last_modified: response.headers.get("last-modified"),
        fetched_at: attemptedAt,
        checked_at: attemptedAt,
      }),
      feed.id,
      "downloaded",
    );
  } catch (error) {
    const reason =
      error instanceof Error && error.name === "TimeoutError"
        ? `no answer in ${TIMEOUT_MS / 1000} s`
        : errorMessage(error);
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return rowToState(
      save({ error: scrub(cause ? `${reason} (${cause})` : reason), error_at: attemptedAt }),
      feed.id,
      "failed",
    );
  }
}
