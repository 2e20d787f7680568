import { ExitCode, UserError } from "../../../core/errors.ts";
import type { MediaConfig } from "../config.ts";
import type { YoutubeStore } from "./store.ts";
import { flatList, type YtEntry } from "./ytdlp.ts";

/** `@handle`, a channel id, or a channel URL -> the URL of its uploads tab. */
export function channelUploadsUrl(spec: string): string {
  const text = spec.trim();
  if (/^@[\w.-]+$/.test(text)) return `https://www.youtube.com/${text}/videos`;
  if (/^UC[\w-]{22}$/.test(text)) return `https://www.youtube.com/channel/${text}/videos`;
  const match =
    /^https?:\/\/(?:www\.|m\.)?youtube\.com\/(@[\w.-]+|channel\/UC[\w-]{22}|c\/[\w.-]+|user\/[\w.-]+)/.exec(
      text,
    );
  if (match) return `https://www.youtube.com/${match[1]}/videos`;
  throw new UserError(`"${spec}" is not a YouTube channel`, {
    code: ExitCode.usage,
    hint: "give an @handle, a channel id (UC...), or a channel URL",
  });
}

export type ListName = "watchlater" | "subscriptions" | `channel:${string}` | `search:${string}`;

/**
 * The YouTube lists deskhub shows, read through yt-dlp and kept in the cache. Watch
 * Later and subscriptions need the browser's cookies; searches and channels do not.
 */
export class YouTube {
  readonly #config: MediaConfig["youtube"];
  readonly #env: NodeJS.ProcessEnv;
  readonly store: YoutubeStore;

  constructor(config: MediaConfig["youtube"], env: NodeJS.ProcessEnv, store: YoutubeStore) {
    this.#config = config;
    this.#env = env;
    this.store = store;
  }

  #options(extra: { limit: number; what: string; browser?: string }) {
    return { program: this.#config.ytdlp, env: this.#env, timeoutMs: this.#config.timeout * 1000, ...extra };
  }

  async search(query: string, limit = this.#config.search_results): Promise<YtEntry[]> {
    const text = query.trim();
    if (!text) throw new UserError("nothing to search for", { code: ExitCode.usage });
    const entries = await flatList(
      `ytsearch${limit}:${text}`,
      this.#options({ limit, what: `the search "${text}"` }),
    );
    this.store.saveList(`search:${text.toLowerCase()}`, entries);
    return entries;
  }

  /** Fetches a list from YouTube and replaces the cached copy. */
  async fetch(list: Exclude<ListName, `search:${string}`>): Promise<YtEntry[]> {
    const limit = this.#config.list_limit;
    let entries: YtEntry[];
    if (list === "watchlater") {
      entries = await flatList(
        ":ytwatchlater",
        this.#options({ limit, what: "Watch Later", browser: this.#config.browser }),
      );
    } else if (list === "subscriptions") {
      entries = await flatList(
        ":ytsubs",
        this.#options({ limit, what: "the subscriptions feed", browser: this.#config.browser }),
      );
    } else {
      const spec = list.slice("channel:".length);
      entries = await flatList(
        channelUploadsUrl(spec),
        this.#options({ limit: Math.min(limit, 50), what: `the channel ${spec}` }),
      );
    }
    this.store.saveList(list, entries);
    return entries;
  }

  /** The cached copy, with videos seen to the end left out unless `all`. */
  cached(
    list: ListName,
    options: { all?: boolean } = {},
  ): { entries: YtEntry[]; fetchedAt: number | undefined; hidden: number } {
    const { entries, fetchedAt } = this.store.list(list);
    if (options.all || !this.#config.hide_watched || list.startsWith("search:"))
      return { entries, fetchedAt, hidden: 0 };
    const watched = this.store.watchedIds();
    const visible = entries.filter((entry) => !watched.has(entry.id));
    return { entries: visible, fetchedAt, hidden: entries.length - visible.length };
  }

  get channels(): readonly string[] {
    return this.#config.channels;
  }
}
