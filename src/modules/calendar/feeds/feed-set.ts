import type { DatabaseSync } from "../../../core/db.ts";
import { errorMessage } from "../../../core/errors.ts";
import type { Secrets } from "../../../core/secrets/secrets.ts";
import type { FeedConfig } from "../config.ts";
import type { CalendarEvent } from "../event.ts";
import { expandFeed, type ParsedFeed, parseFeed } from "./expand.ts";
import { cachedFeed, type FeedState, refreshFeed } from "./fetch.ts";

const DAY = 86_400_000;
/** Occurrences are expanded this far ahead once, then served from memory. */
const HORIZON_MS = 400 * DAY;
const SLACK_MS = 30 * DAY;

interface Entry {
  config: FeedConfig;
  url?: string;
  /** Why the feed has no URL (a secret that is not set). */
  urlError?: string;
  state: FeedState;
  parsed?: { body: string; feed: ParsedFeed };
  expanded?: { body: string; from: number; to: number; events: CalendarEvent[] };
}

export interface FeedSummary {
  id: string;
  name: string;
  status: "ok" | "error" | "never";
  error?: string;
  fetchedAt?: number;
  checkedAt?: number;
  /** Whether a last good copy is being used. */
  hasCopy: boolean;
}

export interface FeedSetOptions {
  /**
   * Expand well beyond each request and serve later requests from memory: right for the
   * daemon, whose windows creep forward every tick. A command that asks once (upcoming
   * for a week) expands exactly what it asks for.
   */
  prefetch?: boolean;
}

/** The configured iCal feeds: their URLs, cached copies, refreshes and expanded events. */
export class FeedSet {
  #entries = new Map<string, Entry>();
  #db: DatabaseSync;
  #timeZone: string;
  #prefetch: boolean;

  constructor(db: DatabaseSync, timeZone: string, options: FeedSetOptions = {}) {
    this.#db = db;
    this.#timeZone = timeZone;
    this.#prefetch = options.prefetch ?? true;
  }

  /** Resolves each feed's address (from config or its secret) and reads its cached copy. */
  async load(feeds: readonly FeedConfig[], secrets: Secrets): Promise<void> {
    for (const config of feeds) {
      const entry: Entry = { config, state: { id: config.id, status: "never" } };
      try {
        const url = config.url ?? (await secrets.get(config.url_secret!));
        if (url) {
          entry.url = url;
          entry.state = cachedFeed(this.#db, config.id, url);
        } else {
          entry.urlError = `the secret ${config.url_secret} is not set: ${secrets.howToSet(config.url_secret!)}`;
        }
      } catch (error) {
        entry.urlError = errorMessage(error);
      }
      this.#entries.set(config.id, entry);
    }
  }

  ids(): string[] {
    return [...this.#entries.keys()];
  }

  config(id: string): FeedConfig | undefined {
    return this.#entries.get(id)?.config;
  }

  name(id: string): string {
    const entry = this.#entries.get(id);
    return entry?.config.name ?? entry?.parsed?.feed.name ?? id;
  }

  /** Whether a feed's refresh interval has passed since it was last tried. */
  due(id: string, now: number): boolean {
    const entry = this.#entries.get(id);
    if (!entry?.url) return false;
    const last = entry.state.attemptedAt ?? entry.state.checkedAt;
    if (last === undefined) return true;
    // A failing feed is tried again sooner, but not more often than every minute.
    const every =
      entry.state.status === "error"
        ? Math.max(60_000, Math.min(entry.config.refresh * 1000, 600_000))
        : entry.config.refresh * 1000;
    return now - last >= every;
  }

  async refresh(id: string, options: { now?: () => number; signal?: AbortSignal } = {}): Promise<FeedState> {
    const entry = this.#entries.get(id);
    if (!entry) throw new Error(`no feed ${id}`);
    if (!entry.url) {
      entry.state = { id, status: "error", error: entry.urlError ?? "no URL" };
      return entry.state;
    }
    entry.state = await refreshFeed(this.#db, { id, url: entry.url, timeZone: this.#timeZone }, options);
    return entry.state;
  }

  summary(id: string): FeedSummary {
    const entry = this.#entries.get(id)!;
    const state = entry.state;
    const error = entry.urlError ?? state.error;
    return {
      id,
      name: this.name(id),
      status: entry.urlError ? "error" : state.status,
      ...(error ? { error } : {}),
      ...(state.fetchedAt ? { fetchedAt: state.fetchedAt } : {}),
      ...(state.checkedAt ? { checkedAt: state.checkedAt } : {}),
      hasCopy: state.body !== undefined,
    };
  }

  #parsed(entry: Entry): ParsedFeed | undefined {
    const body = entry.state.body;
    if (!body) return undefined;
    if (entry.parsed?.body !== body) entry.parsed = { body, feed: parseFeed(body, this.#timeZone) };
    return entry.parsed.feed;
  }

  /** A feed's occurrences overlapping [from, to), from its last good copy. */
  events(id: string, from: number, to: number): CalendarEvent[] {
    const entry = this.#entries.get(id);
    if (!entry) return [];
    const feed = this.#parsed(entry);
    if (!feed) return [];
    const meta = { calendar: id, calendarName: this.name(id) };
    const cached = entry.expanded;
    if (!cached || cached.body !== entry.state.body || from < cached.from || to > cached.to) {
      const windowFrom = this.#prefetch ? Math.min(from, to - DAY) - 2 * DAY : from;
      const windowTo = this.#prefetch ? Math.max(to, from + HORIZON_MS) + SLACK_MS : to;
      entry.expanded = {
        body: entry.state.body!,
        from: windowFrom,
        to: windowTo,
        events: expandFeed(feed, { from: windowFrom, to: windowTo }, meta),
      };
    }
    return entry.expanded!.events.filter(
      (e) => e.start < to && (e.end > from || (e.end === e.start && e.start >= from)),
    );
  }
}
