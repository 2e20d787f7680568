import { z } from "zod";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { ModuleContext } from "../../../core/module.ts";
import { packageInfo } from "../../../core/package-info.ts";
import { registerSecret } from "../../../core/redact.ts";
import type { MediaConfig } from "../config.ts";
import { type Credentials, deviceId, resolveCredentials } from "./auth.ts";
import { jellyfinError } from "./errors.ts";
import { CACHED_TYPES, type JfItem, JfItemList, JfQueryResult, TICKS_PER_SECOND } from "./item.ts";
import { loadSdk, type PlaybackBody, type Sdk, type SdkApi } from "./sdk.ts";
import { SDK_API_VERSION, SDK_MINIMUM_VERSION, type ServerSupport, serverSupport } from "./version.ts";

const Users = z.array(
  z.looseObject({
    Id: z.string(),
    Name: z.string().nullish(),
    Policy: z.looseObject({ IsAdministrator: z.boolean().nullish() }).nullish(),
  }),
);

const PlaybackInfo = z.looseObject({
  PlaySessionId: z.string().nullish(),
  MediaSources: z
    .array(
      z.looseObject({
        Id: z.string().nullish(),
        SupportsDirectPlay: z.boolean().nullish(),
        SupportsDirectStream: z.boolean().nullish(),
      }),
    )
    .nullish(),
});

const FIELDS = ["DateCreated", "ParentId", "SortName", "Genres", "ChildCount"] as const;

export interface ServerInfo {
  id: string;
  name: string;
  version: string;
  support: ServerSupport;
}

export function ticksToSeconds(ticks: number | null | undefined): number {
  return (ticks ?? 0) / TICKS_PER_SECOND;
}

/**
 * One signed-in connection to a Jellyfin server, through @jellyfin/sdk (loaded on first
 * use: it costs about 100 ms, which a menu opened from the cache must not pay).
 * Every call has a timeout, and every failure becomes a UserError naming what was
 * being done; axios errors are never passed on as they are, since they carry the token.
 */
export class JellyfinClient {
  readonly baseUrl: string;
  readonly userId: string;
  readonly userName: string;
  readonly server: ServerInfo;
  /**
   * An API key belongs to no user, so the server files playback reports under no one
   * and updates nobody's resume point: deskhub writes the user's data itself then.
   */
  readonly usesApiKey: boolean;
  readonly #api: SdkApi;
  readonly #sdk: Sdk;
  readonly #token: string;
  readonly #timeoutMs: number;

  private constructor(options: {
    sdk: Sdk;
    api: SdkApi;
    baseUrl: string;
    token: string;
    userId: string;
    userName: string;
    server: ServerInfo;
    timeoutMs: number;
    usesApiKey: boolean;
  }) {
    this.#sdk = options.sdk;
    this.#api = options.api;
    this.baseUrl = options.baseUrl;
    this.#token = options.token;
    this.userId = options.userId;
    this.userName = options.userName;
    this.server = options.server;
    this.#timeoutMs = options.timeoutMs;
    this.usesApiKey = options.usesApiKey;
  }

  /** The header mpv sends for streams: the token never goes into a URL. */
  get authorizationHeader(): string {
    return `MediaBrowser Token="${this.#token}"`;
  }

  get #options() {
    return { timeout: this.#timeoutMs };
  }

  static async api(
    baseUrl: string,
    token: string | undefined,
    nodeId: string,
    hostname: string,
  ): Promise<SdkApi> {
    const { Api } = await loadSdk();
    return new Api(
      baseUrl.replace(/\/+$/, ""),
      { name: "deskhub", version: packageInfo().version },
      { name: hostname, id: deviceId(nodeId) },
      token,
    );
  }

  static async publicInfo(api: SdkApi, timeoutMs: number): Promise<ServerInfo> {
    const sdk = await loadSdk();
    try {
      const { data } = await sdk.system(api).getPublicSystemInfo({ timeout: timeoutMs });
      const version = data.Version ?? "0";
      const support = serverSupport(version);
      if (support === "unsupported") {
        throw new UserError(
          `Jellyfin ${version} at ${api.basePath} is older than deskhub supports (${SDK_MINIMUM_VERSION} or newer)`,
          {
            code: ExitCode.unavailable,
            hint: `update the server; @jellyfin/sdk ${SDK_API_VERSION} calls routes older servers lack (/UserViews, /UserItems/Resume)`,
          },
        );
      }
      return { id: data.Id ?? "", name: data.ServerName ?? "", version, support };
    } catch (error) {
      throw jellyfinError(error, "reading the server info", api.basePath);
    }
  }

  /** Connects with the configured credentials and checks the server is one the SDK speaks to. */
  static async connect(
    ctx: Pick<ModuleContext, "paths" | "secrets" | "nodeId" | "hostname">,
    config: MediaConfig,
    credentials?: Credentials,
  ): Promise<JellyfinClient> {
    const baseUrl = config.jellyfin.url.replace(/\/+$/, "");
    if (!baseUrl) {
      throw new UserError("Jellyfin is not configured", {
        code: ExitCode.config,
        hint: "set media.jellyfin.url in config.yaml, or JELLYFIN_URL",
      });
    }
    const creds = credentials ?? (await resolveCredentials(ctx, baseUrl));
    registerSecret(creds.token);
    const timeoutMs = config.jellyfin.timeout * 1000;
    const api = await JellyfinClient.api(baseUrl, creds.token, ctx.nodeId, ctx.hostname);
    const server = await JellyfinClient.publicInfo(api, timeoutMs);
    let userId: string;
    let userName: string;
    if (creds.kind === "login") {
      userId = creds.userId;
      userName = creds.userName;
    } else {
      ({ userId, userName } = await JellyfinClient.#userForApiKey(api, config.jellyfin.user, timeoutMs));
    }
    return new JellyfinClient({
      sdk: await loadSdk(),
      api,
      baseUrl,
      token: creds.token,
      userId,
      userName,
      server,
      timeoutMs,
      usesApiKey: creds.kind === "api_key",
    });
  }

  /** An API key belongs to no user: browse as the configured one, or the first administrator. */
  static async #userForApiKey(api: SdkApi, wanted: string, timeoutMs: number) {
    const sdk = await loadSdk();
    let users: z.output<typeof Users>;
    try {
      users = Users.parse((await sdk.user(api).getUsers({}, { timeout: timeoutMs })).data);
    } catch (error) {
      throw jellyfinError(error, "listing users for the API key", api.basePath);
    }
    const user = wanted
      ? users.find((u) => u.Name?.toLowerCase() === wanted.toLowerCase())
      : (users.find((u) => u.Policy?.IsAdministrator) ?? users[0]);
    if (!user?.Id) {
      throw new UserError(
        wanted ? `Jellyfin has no user named "${wanted}"` : "Jellyfin has no users to browse as",
        {
          code: ExitCode.config,
          hint: `set media.jellyfin.user to one of: ${users.map((u) => u.Name).join(", ") || "(none)"}`,
        },
      );
    }
    return { userId: user.Id, userName: user.Name ?? "" };
  }

  async #call<T>(doing: string, fn: () => Promise<{ data: T }>): Promise<T> {
    try {
      return (await fn()).data;
    } catch (error) {
      throw jellyfinError(error, doing, this.baseUrl);
    }
  }

  async views(): Promise<JfItem[]> {
    const data = await this.#call("reading the libraries", () =>
      this.#sdk.views(this.#api).getUserViews({ userId: this.userId }, this.#options),
    );
    return JfQueryResult.parse(data).Items;
  }

  /** One page of a library's items; `since` asks only for items saved after it (server time). */
  async itemsPage(options: {
    libraryId: string;
    startIndex: number;
    limit: number;
    since?: string | undefined;
    idsOnly?: boolean;
  }): Promise<JfQueryResult> {
    const data = await this.#call("reading the library", () =>
      this.#sdk.library(this.#api).getItems(
        {
          userId: this.userId,
          parentId: options.libraryId,
          recursive: true,
          includeItemTypes: [...CACHED_TYPES],
          fields: options.idsOnly ? [] : [...FIELDS],
          sortBy: ["SortName"],
          sortOrder: ["Ascending"],
          startIndex: options.startIndex,
          limit: options.limit,
          minDateLastSaved: options.since,
          enableUserData: !options.idsOnly,
          enableImages: !options.idsOnly,
          enableTotalRecordCount: true,
        },
        this.#options,
      ),
    );
    return JfQueryResult.parse(data);
  }

  /** The most recently played items (user data changes do not move an item's DateLastSaved). */
  async recentlyPlayed(limit: number): Promise<JfItem[]> {
    const data = await this.#call("reading recently played items", () =>
      this.#sdk.library(this.#api).getItems(
        {
          userId: this.userId,
          recursive: true,
          includeItemTypes: ["Movie", "Episode", "Video", "MusicVideo"],
          sortBy: ["DatePlayed"],
          sortOrder: ["Descending"],
          filters: ["IsPlayed"],
          fields: [...FIELDS],
          limit,
          enableTotalRecordCount: false,
        },
        this.#options,
      ),
    );
    return JfQueryResult.parse(data).Items;
  }

  async resume(limit = 100): Promise<JfQueryResult> {
    const data = await this.#call("reading Continue Watching", () =>
      this.#sdk.library(this.#api).getResumeItems(
        {
          userId: this.userId,
          limit,
          mediaTypes: ["Video"],
          fields: [...FIELDS],
          enableTotalRecordCount: true,
        },
        this.#options,
      ),
    );
    return JfQueryResult.parse(data);
  }

  async nextUp(limit = 50, seriesId?: string): Promise<JfItem[]> {
    const data = await this.#call("reading Next Up", () =>
      this.#sdk
        .shows(this.#api)
        .getNextUp({ userId: this.userId, limit, seriesId, fields: [...FIELDS] }, this.#options),
    );
    return JfQueryResult.parse(data).Items;
  }

  async latest(libraryId: string, limit = 30): Promise<JfItem[]> {
    const data = await this.#call("reading the latest additions", () =>
      this.#sdk
        .library(this.#api)
        .getLatestMedia(
          { userId: this.userId, parentId: libraryId, limit, fields: [...FIELDS], groupItems: true },
          this.#options,
        ),
    );
    return JfItemList.parse(data);
  }

  async search(term: string, limit = 50): Promise<JfItem[]> {
    const data = await this.#call("searching", () =>
      this.#sdk.library(this.#api).getItems(
        {
          userId: this.userId,
          recursive: true,
          searchTerm: term,
          includeItemTypes: ["Movie", "Series", "Episode", "Video", "MusicVideo"],
          fields: [...FIELDS],
          limit,
          enableTotalRecordCount: false,
        },
        this.#options,
      ),
    );
    return JfQueryResult.parse(data).Items;
  }

  async item(id: string): Promise<JfItem> {
    const data = await this.#call(`reading item ${id}`, () =>
      this.#sdk
        .library(this.#api)
        .getItems(
          { userId: this.userId, ids: [id], fields: [...FIELDS], enableTotalRecordCount: false },
          this.#options,
        ),
    );
    const item = JfQueryResult.parse(data).Items[0];
    if (!item) {
      throw new UserError(`Jellyfin has no item ${id}`, {
        code: ExitCode.dataErr,
        hint: "list items with `deskhub media jellyfin search <words>`",
      });
    }
    return item;
  }

  async seasons(seriesId: string): Promise<JfItem[]> {
    const data = await this.#call("reading seasons", () =>
      this.#sdk
        .shows(this.#api)
        .getSeasons({ seriesId, userId: this.userId, fields: [...FIELDS] }, this.#options),
    );
    return JfQueryResult.parse(data).Items;
  }

  async episodes(seriesId: string, seasonId?: string): Promise<JfItem[]> {
    const data = await this.#call("reading episodes", () =>
      this.#sdk
        .shows(this.#api)
        .getEpisodes({ seriesId, seasonId, userId: this.userId, fields: [...FIELDS] }, this.#options),
    );
    return JfQueryResult.parse(data).Items;
  }

  async setPlayed(id: string, played: boolean): Promise<void> {
    const api = this.#sdk.userData(this.#api);
    await this.#call(played ? "marking played" : "marking unplayed", () =>
      played
        ? api.markPlayedItem({ itemId: id, userId: this.userId }, this.#options)
        : api.markUnplayedItem({ itemId: id, userId: this.userId }, this.#options),
    );
  }

  /** Sets the user's resume point (and played mark) directly, as a user's client would not need to. */
  async saveUserData(id: string, data: { positionSeconds: number; played?: boolean }): Promise<void> {
    await this.#call("saving the resume point", () =>
      this.#sdk.userData(this.#api).updateItemUserData(
        {
          itemId: id,
          userId: this.userId,
          updateUserItemDataDto: {
            PlaybackPositionTicks: Math.round(data.positionSeconds * TICKS_PER_SECOND),
            ...(data.played === undefined ? {} : { Played: data.played }),
            LastPlayedDate: new Date().toISOString(),
          },
        },
        this.#options,
      ),
    );
  }

  /** The server's play session for an item (and its media source), as a client asks before playing. */
  async playbackInfo(id: string): Promise<{ playSessionId?: string; mediaSourceId: string }> {
    const data = PlaybackInfo.parse(
      await this.#call("asking how to play it", () =>
        this.#sdk
          .mediaInfo(this.#api)
          .getPostedPlaybackInfo({ itemId: id, userId: this.userId }, this.#options),
      ),
    );
    const source =
      data.MediaSources?.find((s) => s.SupportsDirectPlay || s.SupportsDirectStream) ??
      data.MediaSources?.[0];
    return { playSessionId: data.PlaySessionId ?? undefined, mediaSourceId: source?.Id ?? id };
  }

  /** The direct (static) stream: no transcoding, seekable with Range requests; no token in it. */
  streamUrl(id: string, mediaSourceId: string, playSessionId?: string): string {
    const params = new URLSearchParams({ static: "true", mediaSourceId });
    if (playSessionId) params.set("playSessionId", playSessionId);
    return `${this.baseUrl}/Videos/${id}/stream?${params}`;
  }

  /** The server's clock, so "saved since" never depends on this machine's clock agreeing with it. */
  async serverTime(): Promise<string> {
    const data = await this.#call("reading the server time", () =>
      this.#sdk.system(this.#api).getUtcTime(this.#options),
    );
    return data.RequestReceptionTime ?? new Date().toISOString();
  }

  async reportStart(body: PlaybackReport): Promise<void> {
    await this.#call("reporting playback start", () =>
      this.#sdk
        .sessions(this.#api)
        .reportPlaybackStart({ playbackStartInfo: reportBody(body) }, this.#options),
    );
  }

  async reportProgress(body: PlaybackReport & { eventName?: string }): Promise<void> {
    await this.#call("reporting playback progress", () =>
      this.#sdk
        .sessions(this.#api)
        .reportPlaybackProgress(
          { playbackProgressInfo: { ...reportBody(body), EventName: body.eventName } },
          this.#options,
        ),
    );
  }

  async reportStopped(body: PlaybackReport & { failed?: boolean }): Promise<void> {
    await this.#call("reporting playback stop", () =>
      this.#sdk.sessions(this.#api).reportPlaybackStopped(
        {
          playbackStopInfo: {
            ItemId: body.itemId,
            MediaSourceId: body.mediaSourceId,
            PlaySessionId: body.playSessionId,
            PositionTicks: Math.round(body.positionSeconds * TICKS_PER_SECOND),
            Failed: body.failed ?? false,
          },
        },
        this.#options,
      ),
    );
  }
}

export interface PlaybackReport {
  itemId: string;
  mediaSourceId: string;
  playSessionId?: string | undefined;
  positionSeconds: number;
  isPaused: boolean;
}

function reportBody(body: PlaybackReport): PlaybackBody {
  return {
    ItemId: body.itemId,
    MediaSourceId: body.mediaSourceId,
    PlaySessionId: body.playSessionId,
    PositionTicks: Math.round(body.positionSeconds * TICKS_PER_SECOND),
    IsPaused: body.isPaused,
    IsMuted: false,
    CanSeek: true,
    PlayMethod: "DirectPlay",
  };
}
