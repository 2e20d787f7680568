import { ExitCode, errorMessage, UserError } from "../../../core/errors.ts";
import {
  askText,
  type MenuBackendChoice,
  type MenuItem,
  type MenuOptions,
  type MenuRows,
  type RowsOptions,
  rowIcons,
  showMenu,
  showRows,
} from "../../../desktop/menu.ts";
import type { CachedItem, LibraryCache } from "../jellyfin/cache.ts";
import { jellyfinImageUrl, POSTER_EXTENSION } from "../jellyfin/image.ts";
import { age, clock, entryLabel, entryMeta, itemLabel } from "../labels.ts";
import { markPlayed } from "../marks.ts";
import type { PlayRequest } from "../play.ts";
import type { MediaRuntime } from "../runtime.ts";
import { type ThumbRequest, thumbKey } from "../thumbs.ts";
import type { ListName, YouTube } from "../youtube/feeds.ts";
import type { YtEntry } from "../youtube/ytdlp.ts";
import type { EarlyMenu } from "./early.ts";
import { keepLibraryMenu } from "./kept.ts";
import { itemLines, LINES_KEY, posterKey, posterOf, posterOfKey } from "./lines.ts";

type Top =
  | { kind: "jf-list"; list: "resume" | "nextup"; title: string }
  | { kind: "jf-latest"; viewId: string; title: string }
  | { kind: "jf-library"; viewId: string; title: string }
  | { kind: "jf-all" }
  | { kind: "jf-search" }
  | { kind: "yt-list"; list: Exclude<ListName, `search:${string}`>; title: string }
  | { kind: "yt-search" }
  | { kind: "player"; action: "pause" | "next" | "stop" }
  | { kind: "refresh" };

type Outcome = "done" | "back";

/** Sections a key binding can open directly, skipping the top menu. */
export const SECTIONS = [
  "resume",
  "nextup",
  "everything",
  "search",
  "watchlater",
  "subscriptions",
  "youtube",
] as const;
export type Section = (typeof SECTIONS)[number];

function sectionTop(section: Section): Top {
  switch (section) {
    case "resume":
      return { kind: "jf-list", list: "resume", title: "Continue watching" };
    case "nextup":
      return { kind: "jf-list", list: "nextup", title: "Next up" };
    case "everything":
      return { kind: "jf-all" };
    case "search":
      return { kind: "jf-search" };
    case "watchlater":
      return { kind: "yt-list", list: "watchlater", title: "Watch Later" };
    case "subscriptions":
      return { kind: "yt-list", list: "subscriptions", title: "Subscriptions" };
    case "youtube":
      return { kind: "yt-search" };
  }
}

/** Thumbnails fetched per run at most: a menu of the whole library must not start 20,000 downloads. */
const THUMBS_PER_RUN = 150;

const REFRESH_DELAY_MS = 250;

export interface LauncherOptions {
  backend: MenuBackendChoice;
  /** Open this section instead of the top menu. */
  open?: Section | undefined;
  /** Answers for the menus, one per level, for scripts and tests (fzf --filter). */
  filters: readonly string[];
  refresh: boolean;
  say(text: string): void;
  /** The whole-library menu as main.ts found it (early.ts): already open, or to be kept for next time. */
  early?: EarlyMenu | undefined;
}

/** What the first showing of a row menu does besides: adopt a menu already open, or keep this one. */
type FirstShowing = Pick<RowsOptions, "opened" | "onOpen">;

/**
 * `deskhub media menu`: one launcher for Jellyfin and YouTube. Every list comes from the
 * cache at once; a stale cache is refreshed in the background while the menu is open,
 * and thumbnails missing from the disk cache are fetched for the next time.
 */
export class Launcher {
  readonly #runtime: MediaRuntime;
  readonly #options: LauncherOptions;
  readonly #filters: string[];
  readonly #scripted: boolean;
  readonly #background: Array<Promise<unknown>> = [];
  readonly #thumbs: ThumbRequest[] = [];
  /** Row menus shown this run, and posters named elsewhere: those not on disk yet are fetched after. */
  readonly #shownRows: MenuRows[] = [];
  readonly #posterKeys = new Set<string>();
  /** The thumbnail directory, read while the cache opens. */
  #thumbsListed: Promise<void> | undefined;

  constructor(runtime: MediaRuntime, options: LauncherOptions) {
    this.#runtime = runtime;
    this.#options = options;
    this.#filters = [...options.filters];
    this.#scripted = options.filters.length > 0;
  }

  #answer(prompt: string): string | undefined {
    if (!this.#scripted) return undefined;
    const answer = this.#filters.shift();
    if (answer === undefined) {
      throw new UserError(`the --filter answers ran out at the menu "${prompt}"`, {
        code: ExitCode.usage,
        hint: "give one --filter per menu level, down to an action such as Play",
      });
    }
    return answer;
  }

  async #pick<T>(items: Array<MenuItem<T>>, prompt: string): Promise<T | undefined> {
    if (items.length === 0) return this.#empty(prompt);
    return this.#choose(prompt, (options) => showMenu(items, options));
  }

  /** `#pick` for packed rows: the chosen row's value. */
  async #pickRow(rows: MenuRows, prompt: string, first: FirstShowing = {}): Promise<string | undefined> {
    if (rows.length === 0) return this.#empty(prompt);
    // Which of its posters to fetch is worked out after the menu (#fetchThumbs), not before it.
    this.#shownRows.push(rows);
    if (first.opened) return showRows(rows, { prompt, icon: this.#posterPath, opened: first.opened });
    return this.#choose(prompt, (options) =>
      showRows(rows, { ...options, icon: this.#posterPath, ...first }),
    );
  }

  #empty(prompt: string): undefined {
    if (this.#scripted) throw new UserError(`the menu "${prompt}" is empty`, { code: ExitCode.dataErr });
    this.#options.say(`${prompt}: nothing here`);
    return undefined;
  }

  /** Shows a menu, answered by the next --filter when scripted; a scripted answer must match. */
  async #choose<V>(
    prompt: string,
    show: (options: MenuOptions) => Promise<V | undefined>,
  ): Promise<V | undefined> {
    const filter = this.#answer(prompt);
    const chosen = await show({ prompt, backend: this.#options.backend, env: this.#runtime.ctx.env, filter });
    if (chosen === undefined && filter !== undefined) {
      throw new UserError(`nothing in the menu "${prompt}" matches "${filter}"`, { code: ExitCode.dataErr });
    }
    return chosen;
  }

  async #ask(prompt: string): Promise<string | undefined> {
    return askText({
      prompt,
      backend: this.#options.backend,
      env: this.#runtime.ctx.env,
      filter: this.#answer(prompt),
    });
  }

  #later(task: Promise<unknown>, what: string): void {
    this.#background.push(
      task.catch((error: unknown) => this.#options.say(`${what}: ${errorMessage(error)}`)),
    );
  }

  /** The cached image, if any; a missing one is queued for download (its URL built only then). */
  #icon(key: string, url: () => string | undefined): string | undefined {
    const path = this.#runtime.thumbnails.path(key);
    if (path || this.#thumbs.length >= THUMBS_PER_RUN) return path;
    const source = url();
    if (source) this.#thumbs.push({ key, url: source });
    return undefined;
  }

  /** A poster's file by its key (lines.ts), there or still to come; bound once, as a menu asks it for every row. */
  readonly #posterPath = (key: string): string | undefined =>
    this.#runtime.config.icons ? this.#runtime.thumbnails.named(key, POSTER_EXTENSION) : undefined;

  #itemIcon(item: CachedItem): string | undefined {
    const poster = posterOf(item);
    if (!poster || !this.#runtime.config.icons) return undefined;
    this.#posterKeys.add(posterKey(poster));
    return this.#posterPath(posterKey(poster));
  }

  /** Starts fetching what this run's menus showed and the disk lacks, up to THUMBS_PER_RUN. */
  #fetchThumbs(): void {
    const thumbnails = this.#runtime.thumbnails;
    const wanted = new Set<string>();
    const shown = this.#runtime.config.icons ? this.#shownRows.splice(0).flatMap(rowIcons) : [];
    for (const key of [...this.#posterKeys, ...shown]) {
      if (this.#thumbs.length + wanted.size >= THUMBS_PER_RUN) break;
      if (!thumbnails.has(key, POSTER_EXTENSION)) wanted.add(key);
    }
    this.#posterKeys.clear();
    const requests = [...this.#thumbs.splice(0)];
    for (const key of wanted) {
      const { id, tag } = posterOfKey(key);
      const url = jellyfinImageUrl(this.#runtime.config.jellyfin.url, id, tag);
      requests.push({ key, url, extension: POSTER_EXTENSION });
    }
    if (requests.length) this.#later(thumbnails.fetchMissing(requests), "thumbnails");
  }

  #entryIcon(entry: YtEntry): string | undefined {
    if (!this.#runtime.config.icons) return undefined;
    return this.#icon(thumbKey("yt", entry.id), () => {
      const thumbs = entry.thumbnails ?? [];
      return (thumbs.find((t) => (t.width ?? 0) >= 160) ?? thumbs.at(-1))?.url;
    });
  }

  /** Starts a background refresh when the cache is stale; waits only when there is no cache at all. */
  async #prepareCache(cache: LibraryCache): Promise<void> {
    if (!this.#runtime.jellyfinConfigured) return;
    const { refreshedAt } = cache.state();
    if (refreshedAt === undefined) {
      this.#options.say("reading the Jellyfin library for the first time...");
      await this.#runtime
        .refresh()
        .catch((error: unknown) => this.#options.say(`Jellyfin: ${errorMessage(error)}`));
      return;
    }
    if (this.#options.refresh && Date.now() - refreshedAt > this.#runtime.config.stale_after * 1000) {
      // Loading the SDK blocks the thread for ~100 ms; started at once, it would hold back
      // the lines still being written to the menu. A moment later the menu is on screen.
      this.#later(
        new Promise((resolve) => setTimeout(resolve, REFRESH_DELAY_MS)).then(() => this.#runtime.refresh()),
        "Jellyfin refresh",
      );
    }
  }

  /**
   * The whole library: from the menu main.ts opened, or built from the rows, and then
   * kept for the next run once the menu has its input.
   */
  #everything(cache: LibraryCache): Promise<Outcome> {
    const early = this.#options.early;
    if (early?.opened) {
      this.#runtime.ctx.log.debug("media: the library menu was opened from its kept copy");
      return this.#browse(cache, early.opened.rows, "Everything", { opened: early.opened.menu });
    }
    const rows = cache.playableLines(LINES_KEY, itemLines);
    if (!early) return this.#browse(cache, rows, "Everything");
    const thumbs = this.#runtime.config.icons ? this.#runtime.thumbnails.dir : null;
    return this.#browse(cache, rows, "Everything", {
      onOpen: (menu, opened) =>
        this.#later(
          opened.written.then(() =>
            keepLibraryMenu(
              cache,
              early.key,
              { program: { name: menu.name, path: menu.path }, prompt: "Everything", thumbs },
              menu,
              rows,
            ),
          ),
          "keeping the menu",
        ),
    });
  }

  async run(): Promise<void> {
    if (this.#runtime.config.icons) this.#thumbsListed = this.#runtime.thumbnails.list();
    const cache = await this.#runtime.cache();
    await this.#prepareCache(cache);
    try {
      if (this.#options.open) {
        await this.#handle(sectionTop(this.#options.open), cache);
        return;
      }
      for (;;) {
        const top = await this.#pick(await this.#topItems(cache), "Media");
        if (top === undefined) return;
        if ((await this.#handle(top, cache)) === "done") return;
      }
    } finally {
      await this.#thumbsListed;
      this.#fetchThumbs();
      await Promise.race([
        Promise.allSettled(this.#background),
        new Promise((resolve) => setTimeout(resolve, 60_000).unref()),
      ]);
    }
  }

  async #topItems(cache: LibraryCache): Promise<Array<MenuItem<Top>>> {
    const youtube = await this.#runtime.youtube();
    const items: Array<MenuItem<Top>> = [];
    if (this.#runtime.jellyfinConfigured) {
      const resume = cache.list("resume").length;
      const nextup = cache.list("nextup").length;
      items.push({
        label: `Jellyfin · Continue watching (${resume})`,
        value: { kind: "jf-list", list: "resume", title: "Continue watching" },
      });
      items.push({
        label: `Jellyfin · Next up (${nextup})`,
        value: { kind: "jf-list", list: "nextup", title: "Next up" },
      });
      for (const view of cache.views()) {
        items.push({
          label: `Jellyfin · Latest in ${view.name}`,
          value: { kind: "jf-latest", viewId: view.id, title: `Latest in ${view.name}` },
        });
      }
      for (const view of cache.views()) {
        items.push({
          label: `Jellyfin · Browse ${view.name}`,
          value: { kind: "jf-library", viewId: view.id, title: view.name },
        });
      }
      items.push({
        label: `Jellyfin · Everything (${cache.state().items} cached, type to search)`,
        value: { kind: "jf-all" },
      });
      items.push({ label: "Jellyfin · Search the server...", value: { kind: "jf-search" } });
    }
    const watchLater = youtube.cached("watchlater");
    items.push({
      label: `YouTube · Watch Later${watchLater.fetchedAt ? ` (${watchLater.entries.length})` : ""}`,
      value: { kind: "yt-list", list: "watchlater", title: "Watch Later" },
    });
    items.push({
      label: "YouTube · Subscriptions",
      value: { kind: "yt-list", list: "subscriptions", title: "Subscriptions" },
    });
    for (const channel of youtube.channels) {
      items.push({
        label: `YouTube · ${channel}`,
        value: { kind: "yt-list", list: `channel:${channel}`, title: channel },
      });
    }
    items.push({ label: "YouTube · Search...", value: { kind: "yt-search" } });
    const { joinMpv } = await import("../../../desktop/mpv/launch.ts");
    const mpv = await joinMpv(this.#runtime.socketPath);
    if (mpv) {
      mpv.ipc.close();
      items.push({ label: "Player · Pause / resume", value: { kind: "player", action: "pause" } });
      items.push({ label: "Player · Next", value: { kind: "player", action: "next" } });
      items.push({ label: "Player · Stop", value: { kind: "player", action: "stop" } });
    }
    if (this.#runtime.jellyfinConfigured) {
      items.push({
        label: `Refresh the library (cache from ${age(cache.state().refreshedAt)})`,
        value: { kind: "refresh" },
      });
    }
    return items;
  }

  /** YouTube's code loads only for its own sections: the library's never wait for it. */
  async #handle(top: Top, cache: LibraryCache): Promise<Outcome> {
    switch (top.kind) {
      case "jf-list":
        return this.#browse(cache, itemLines(cache.list(top.list)), top.title);
      case "jf-latest":
        return this.#browse(cache, itemLines(cache.list(`latest:${top.viewId}`)), top.title);
      case "jf-library":
        return this.#browse(cache, itemLines(cache.libraryItems(top.viewId)), top.title);
      case "jf-all":
        return this.#everything(cache);
      case "jf-search": {
        const words = await this.#ask("Search Jellyfin");
        if (!words) return "back";
        const client = await this.#runtime.jellyfin();
        const found = await client.search(words);
        cache.upsert(found);
        const items = found
          .map((item) => cache.item(item.Id))
          .filter((i): i is CachedItem => i !== undefined);
        return this.#browse(cache, itemLines(items), `"${words}"`);
      }
      case "yt-list":
        return this.#youtubeList(await this.#runtime.youtube(), top.list, top.title);
      case "yt-search": {
        const words = await this.#ask("Search YouTube");
        if (!words) return "back";
        const youtube = await this.#runtime.youtube();
        return this.#youtubeEntries(youtube, await youtube.search(words), `YouTube: ${words}`);
      }
      case "player": {
        const player = await this.#runtime.player();
        if (top.action === "pause") await player.pause();
        else if (top.action === "next") await player.next();
        else await player.stop();
        await player.close();
        return "done";
      }
      case "refresh": {
        const result = await this.#runtime.refresh();
        this.#options.say(`${result.mode} refresh: ${result.fetched} items read, ${result.items} cached`);
        return "back";
      }
    }
  }

  /** A menu of items given as rows (see lines.ts); the chosen one is read from the cache afresh. */
  async #browse(cache: LibraryCache, rows: MenuRows, title: string, first?: FirstShowing): Promise<Outcome> {
    for (let showing = first; ; showing = undefined) {
      const id = await this.#pickRow(rows, title, showing);
      if (id === undefined) return "back";
      const item = cache.item(id);
      if (!item) return "back";
      const outcome = item.type === "Series" ? await this.#series(cache, item) : await this.#act(item);
      if (outcome === "done") return "done";
      if (this.#scripted) return "back";
    }
  }

  async #series(cache: LibraryCache, series: CachedItem): Promise<Outcome> {
    let seasons = cache.seasons(series.id);
    if (seasons.length === 0) {
      const client = await this.#runtime.jellyfin();
      cache.upsert(await client.seasons(series.id), series.libraryId ?? undefined);
      cache.upsert(await client.episodes(series.id), series.libraryId ?? undefined);
      seasons = cache.seasons(series.id);
    }
    type Choice = { kind: "season"; season: CachedItem } | { kind: "mark"; played: boolean };
    const choices: Array<MenuItem<Choice>> = [
      ...seasons.map((season) => ({
        label: itemLabel(season),
        value: { kind: "season" as const, season },
        icon: this.#itemIcon(season),
      })),
      series.unplayed === 0
        ? { label: "Mark the whole series unplayed", value: { kind: "mark", played: false } }
        : { label: "Mark the whole series played", value: { kind: "mark", played: true } },
    ];
    const choice = await this.#pick(choices, series.name);
    if (!choice) return "back";
    if (choice.kind === "mark") {
      await markPlayed(this.#runtime, series.id, choice.played);
      this.#options.say(`${series.name}: marked ${choice.played ? "played" : "unplayed"}`);
      return "done";
    }
    return this.#browse(
      cache,
      itemLines(cache.episodes(series.id, choice.season.id)),
      `${series.name} · ${choice.season.name}`,
    );
  }

  async #act(item: CachedItem): Promise<Outcome> {
    type Action = "resume" | "start" | "queue" | "played" | "unplayed";
    const actions: Array<MenuItem<Action>> = [];
    const position = item.positionTicks / 10_000_000;
    if (position > 0 && !item.played) {
      actions.push({ label: `Resume at ${clock(position)}`, value: "resume" });
      actions.push({ label: "Play from the start", value: "start" });
    } else {
      actions.push({ label: "Play", value: "start" });
    }
    actions.push({ label: "Queue after what plays", value: "queue" });
    actions.push(
      item.played ? { label: "Mark unplayed", value: "unplayed" } : { label: "Mark played", value: "played" },
    );
    const action = await this.#pick(actions, itemLabel(item));
    if (!action) return "back";
    if (action === "played" || action === "unplayed") {
      await markPlayed(this.#runtime, item.id, action === "played");
      this.#options.say(`${itemLabel(item)}: marked ${action}`);
      return "done";
    }
    await this.#play({
      source: "jellyfin",
      id: item.id,
      from_start: action === "start",
      mode: action === "queue" ? "append-play" : "replace",
    });
    return "done";
  }

  async #youtubeList(
    youtube: YouTube,
    list: Exclude<ListName, `search:${string}`>,
    title: string,
  ): Promise<Outcome> {
    let cached = youtube.cached(list);
    if (cached.fetchedAt === undefined) {
      this.#options.say(`fetching ${title} from YouTube...`);
      await youtube.fetch(list);
      cached = youtube.cached(list);
    } else if (
      this.#options.refresh &&
      Date.now() - cached.fetchedAt > this.#runtime.config.stale_after * 1000
    ) {
      this.#later(youtube.fetch(list), `YouTube ${title}`);
    }
    return this.#youtubeEntries(youtube, cached.entries, `YouTube: ${title}`);
  }

  async #youtubeEntries(youtube: YouTube, entries: readonly YtEntry[], title: string): Promise<Outcome> {
    const watched = youtube.store.watchedIds();
    const entry = await this.#pick(
      entries.map((e) => ({
        label: entryLabel(e, watched.has(e.id)),
        value: e,
        meta: entryMeta(e),
        icon: this.#entryIcon(e),
      })),
      title,
    );
    if (!entry) return "back";
    type Action = "play" | "queue" | "watched" | "unwatched";
    const isWatched = watched.has(entry.id);
    const action = await this.#pick<Action>(
      [
        { label: "Play", value: "play" },
        { label: "Queue after what plays", value: "queue" },
        isWatched
          ? { label: "Mark not watched", value: "unwatched" }
          : { label: "Mark watched", value: "watched" },
      ],
      entry.title ?? entry.id,
    );
    if (!action) return "back";
    if (action === "watched") youtube.store.markWatched(entry.id, entry.title ?? undefined);
    else if (action === "unwatched") youtube.store.unmarkWatched(entry.id);
    else
      await this.#play({
        source: "youtube",
        id: entry.id,
        mode: action === "queue" ? "append-play" : "replace",
      });
    return "done";
  }

  async #play(request: PlayRequest): Promise<void> {
    // Icons for the next menu are fetched while the video plays, not after.
    await this.#thumbsListed;
    this.#fetchThumbs();
    const { playFromCli } = await import("../play.ts");
    await playFromCli(this.#runtime, request, this.#options.say);
  }
}
