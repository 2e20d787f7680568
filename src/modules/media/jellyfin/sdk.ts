/**
 * The slice of @jellyfin/sdk deskhub calls, typed here. The SDK's own .d.ts files import
 * each other without file extensions, which TypeScript's NodeNext resolution (this
 * project's) cannot follow: `Api` and every generated method come out missing. These
 * declarations mirror the SDK 1.0 signatures (API 13, servers 10.10 and newer) for the
 * calls used; responses are still parsed with zod where they are used.
 */
export interface RequestOptions {
  timeout?: number;
  signal?: AbortSignal;
}

type Response<T = unknown> = Promise<{ data: T; status: number }>;

export interface SdkApi {
  readonly basePath: string;
  readonly accessToken: string;
  readonly authorizationHeader: string;
  update(data: { accessToken?: string }): void;
}

export interface ItemsRequest {
  userId?: string;
  parentId?: string;
  ids?: string[];
  recursive?: boolean;
  searchTerm?: string;
  includeItemTypes?: string[];
  filters?: string[];
  mediaTypes?: string[];
  fields?: string[];
  sortBy?: string[];
  sortOrder?: string[];
  startIndex?: number;
  limit?: number;
  minDateLastSaved?: string | undefined;
  enableUserData?: boolean;
  enableImages?: boolean;
  enableTotalRecordCount?: boolean;
}

export interface PlaybackBody {
  ItemId: string;
  MediaSourceId?: string;
  PlaySessionId?: string | undefined;
  PositionTicks: number;
  IsPaused?: boolean;
  IsMuted?: boolean;
  CanSeek?: boolean;
  PlayMethod?: "DirectPlay" | "DirectStream" | "Transcode";
  EventName?: string;
  Failed?: boolean;
}

export interface Sdk {
  Api: new (
    basePath: string,
    clientInfo: { name: string; version: string },
    deviceInfo: { name: string; id: string },
    accessToken?: string,
  ) => SdkApi;
  system(api: SdkApi): {
    getPublicSystemInfo(
      options?: RequestOptions,
    ): Response<{ Id?: string; ServerName?: string; Version?: string }>;
    getUtcTime(options?: RequestOptions): Response<{ RequestReceptionTime?: string }>;
  };
  user(api: SdkApi): {
    getUsers(request: object, options?: RequestOptions): Response;
  };
  auth(api: SdkApi): {
    authenticateUserByName(
      request: { authenticateUserByName: { Username: string; Pw: string } },
      options?: RequestOptions,
    ): Response;
    getQuickConnectEnabled(options?: RequestOptions): Response<boolean>;
    initiateQuickConnect(options?: RequestOptions): Response;
    getQuickConnectState(request: { secret: string }, options?: RequestOptions): Response;
    authenticateWithQuickConnect(
      request: { quickConnectDto: { Secret: string } },
      options?: RequestOptions,
    ): Response;
  };
  views(api: SdkApi): {
    getUserViews(request: { userId?: string }, options?: RequestOptions): Response;
  };
  library(api: SdkApi): {
    getItems(request: ItemsRequest, options?: RequestOptions): Response;
    getResumeItems(request: ItemsRequest, options?: RequestOptions): Response;
    getLatestMedia(
      request: {
        userId?: string;
        parentId?: string;
        limit?: number;
        fields?: string[];
        groupItems?: boolean;
      },
      options?: RequestOptions,
    ): Response;
  };
  shows(api: SdkApi): {
    getNextUp(
      request: { userId?: string; limit?: number; seriesId?: string; fields?: string[] },
      options?: RequestOptions,
    ): Response;
    getSeasons(
      request: { seriesId: string; userId?: string; fields?: string[] },
      options?: RequestOptions,
    ): Response;
    getEpisodes(
      request: { seriesId: string; seasonId?: string; userId?: string; fields?: string[] },
      options?: RequestOptions,
    ): Response;
  };
  userData(api: SdkApi): {
    markPlayedItem(request: { itemId: string; userId?: string }, options?: RequestOptions): Response;
    markUnplayedItem(request: { itemId: string; userId?: string }, options?: RequestOptions): Response;
    updateItemUserData(
      request: {
        itemId: string;
        userId?: string;
        updateUserItemDataDto: { PlaybackPositionTicks?: number; Played?: boolean; LastPlayedDate?: string };
      },
      options?: RequestOptions,
    ): Response;
  };
  mediaInfo(api: SdkApi): {
    getPostedPlaybackInfo(request: { itemId: string; userId?: string }, options?: RequestOptions): Response;
  };
  sessions(api: SdkApi): {
    reportPlaybackStart(
      request: { playbackStartInfo: PlaybackBody },
      options?: RequestOptions,
    ): Response<void>;
    reportPlaybackProgress(
      request: { playbackProgressInfo: PlaybackBody },
      options?: RequestOptions,
    ): Response<void>;
    reportPlaybackStopped(
      request: { playbackStopInfo: PlaybackBody },
      options?: RequestOptions,
    ): Response<void>;
  };
}

let loaded: Promise<Sdk> | undefined;

/** Loads only the SDK modules deskhub uses (the whole SDK takes about 400 ms to import). */
export function loadSdk(): Promise<Sdk> {
  loaded ??= (async () => {
    const [api, system, user, auth, views, library, shows, userData, mediaInfo, sessions] = await Promise.all(
      [
        import("@jellyfin/sdk/lib/api.js"),
        import("@jellyfin/sdk/lib/utils/api/system-api.js"),
        import("@jellyfin/sdk/lib/utils/api/user-api.js"),
        import("@jellyfin/sdk/lib/utils/api/authentication-api.js"),
        import("@jellyfin/sdk/lib/utils/api/user-view-api.js"),
        import("@jellyfin/sdk/lib/utils/api/library-api.js"),
        import("@jellyfin/sdk/lib/utils/api/show-api.js"),
        import("@jellyfin/sdk/lib/utils/api/user-data-api.js"),
        import("@jellyfin/sdk/lib/utils/api/media-info-api.js"),
        import("@jellyfin/sdk/lib/utils/api/session-api.js"),
      ],
    );
    const untyped = (fn: unknown) => fn as (api: SdkApi) => never;
    return {
      Api: api.Api as unknown as Sdk["Api"],
      system: untyped(system.getSystemApi),
      user: untyped(user.getUserApi),
      auth: untyped(auth.getAuthenticationApi),
      views: untyped(views.getUserViewApi),
      library: untyped(library.getLibraryApi),
      shows: untyped(shows.getShowApi),
      userData: untyped(userData.getUserDataApi),
      mediaInfo: untyped(mediaInfo.getMediaInfoApi),
      sessions: untyped(sessions.getSessionApi),
    };
  })();
  return loaded;
}
