import { join } from "node:path";
import type { DatabaseSync } from "../../core/db.ts";
import type { ModuleContext } from "../../core/module.ts";
import { which } from "../../core/proc.ts";
import type { MediaConfig } from "./config.ts";
import { openMediaDb } from "./db.ts";
import type { History } from "./history.ts";
import { LibraryCache } from "./jellyfin/cache.ts";
import type { JellyfinClient } from "./jellyfin/client.ts";
import type { PendingPlayStates } from "./jellyfin/pending.ts";
import type { RefreshResult } from "./jellyfin/refresh.ts";
import type { Identity } from "./player/identity.ts";
import type { Player, PlayerState } from "./player/player.ts";
import { Thumbnails } from "./thumbs.ts";
import type { YouTube } from "./youtube/feeds.ts";
import type { YoutubeStore } from "./youtube/store.ts";

/**
 * Everything the media module is made of, built on first use: a command that only
 * reads the cache never loads the Jellyfin client, the player or mpv's code, let
 * alone the SDK or mpv itself; the library menu does not load YouTube's.
 */
export class MediaRuntime {
  readonly ctx: ModuleContext;
  readonly config: MediaConfig;
  readonly thumbnails: Thumbnails;
  readonly socketPath: string;
  #db: Promise<DatabaseSync> | undefined;
  #jellyfin: Promise<JellyfinClient> | undefined;
  #player: Promise<Player> | undefined;
  #onPlayerState: ((state: PlayerState) => void) | undefined;

  constructor(
    ctx: ModuleContext,
    config: MediaConfig,
    options: { onPlayerState?: (state: PlayerState) => void } = {},
  ) {
    this.ctx = ctx;
    this.config = config;
    this.thumbnails = new Thumbnails(join(ctx.paths.cacheDir, "media", "thumbs"));
    this.socketPath = join(ctx.paths.runtimeDir, "mpv.sock");
    this.#onPlayerState = options.onPlayerState;
  }

  db(): Promise<DatabaseSync> {
    this.#db ??= openMediaDb(this.ctx);
    return this.#db;
  }

  async cache(): Promise<LibraryCache> {
    return new LibraryCache(await this.db());
  }

  async youtubeStore(): Promise<YoutubeStore> {
    const { YoutubeStore } = await import("./youtube/store.ts");
    return new YoutubeStore(await this.db());
  }

  async youtube(): Promise<YouTube> {
    const { YouTube } = await import("./youtube/feeds.ts");
    return new YouTube(this.config.youtube, this.ctx.env, await this.youtubeStore());
  }

  async history(): Promise<History> {
    const { History } = await import("./history.ts");
    return new History(await this.db());
  }

  get jellyfinConfigured(): boolean {
    return this.config.jellyfin.url !== "";
  }

  async pending(): Promise<PendingPlayStates> {
    const { PendingPlayStates } = await import("./jellyfin/pending.ts");
    return new PendingPlayStates(await this.db());
  }

  /**
   * One connection per process; a failed attempt is not remembered, so the next call
   * retries. A connection first tells the server where playback stopped while it was away.
   */
  jellyfin(): Promise<JellyfinClient> {
    this.#jellyfin ??= (async () => {
      const { JellyfinClient } = await import("./jellyfin/client.ts");
      const client = await JellyfinClient.connect(this.ctx, this.config);
      await this.#sendPending(client);
      return client;
    })().catch((error: unknown) => {
      this.#jellyfin = undefined;
      throw error;
    });
    return this.#jellyfin;
  }

  async #sendPending(client: JellyfinClient): Promise<void> {
    const sent = await (await this.pending()).flush(client);
    if (sent) this.ctx.log.info({ sent }, "media: sent play states saved while Jellyfin was away");
  }

  /** The daemon keeps its connection for good: each refresh also retries what is pending. */
  async refresh(options: { full?: boolean } = {}): Promise<RefreshResult> {
    const client = await this.jellyfin();
    await this.#sendPending(client);
    const { refreshLibrary } = await import("./jellyfin/refresh.ts");
    const result = await refreshLibrary(client, await this.cache(), {
      full: options.full,
      pageSize: this.config.jellyfin.page_size,
      fullEvery: this.config.jellyfin.full_refresh_interval,
    });
    await this.remakeMenus();
    return result;
  }

  player(): Promise<Player> {
    this.#player ??= this.#makePlayer();
    return this.#player;
  }

  async #makePlayer(): Promise<Player> {
    const [{ Player }, { reporterFor }] = await Promise.all([
      import("./player/player.ts"),
      import("./player/reporters.ts"),
    ]);
    const [cache, pending, youtube, history] = await Promise.all([
      this.cache(),
      this.pending(),
      this.youtubeStore(),
      this.history(),
    ]);
    const deps = { cache, pending, youtube, history, jellyfin: () => this.jellyfin() };
    // mpv plays YouTube through its ytdl_hook; point it at the same yt-dlp deskhub uses.
    const ytdlp = await which(this.config.youtube.ytdlp, this.ctx.env);
    const args = [
      ...(ytdlp ? [`--script-opts-append=ytdl_hook-ytdl_path=${ytdlp}`] : []),
      `--ytdl-format=${this.config.youtube.format}`,
      ...this.config.mpv.args,
    ];
    return new Player({
      mpv: { path: this.config.mpv.path, socket: this.socketPath, args, env: this.ctx.env },
      log: this.ctx.log,
      progressInterval: this.config.jellyfin.progress_interval,
      watchedAt: this.config.watched_at,
      reporterFor: (identity) => reporterFor(deps, identity),
      knownDuration: (identity: Identity) => {
        if (identity.source === "jellyfin") {
          const ticks = cache.item(identity.id)?.runtimeTicks;
          return ticks ? ticks / 10_000_000 : undefined;
        }
        if (identity.source === "youtube") return youtube.entry(identity.id)?.duration ?? undefined;
        return undefined;
      },
      onState: this.#onPlayerState,
      onFinished: () => this.remakeMenus(),
    });
  }

  /**
   * After a change to what menus show (a refresh, a mark, the end of a playback): the
   * kept library menus are made again for the next key press (menu/kept.ts).
   */
  async remakeMenus(): Promise<void> {
    try {
      const { remakeKeptMenus } = await import("./menu/kept.ts");
      remakeKeptMenus(await this.cache());
    } catch (error) {
      this.ctx.log.warn({ err: error }, "media: could not make the kept menus again");
    }
  }
}
