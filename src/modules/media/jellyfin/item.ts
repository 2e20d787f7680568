import { z } from "zod";

/**
 * The parts of Jellyfin's BaseItemDto deskhub reads. Servers differ by version and by
 * the fields a request asked for, so everything but the id is optional and unknown
 * fields pass through untouched (they are kept for `--json`).
 */
const UserData = z.looseObject({
  PlaybackPositionTicks: z.number().nullish(),
  PlayCount: z.number().nullish(),
  IsFavorite: z.boolean().nullish(),
  Played: z.boolean().nullish(),
  LastPlayedDate: z.string().nullish(),
  UnplayedItemCount: z.number().nullish(),
});

export const JfItem = z.looseObject({
  Id: z.string().min(1),
  Name: z.string().nullish(),
  Type: z.string().nullish(),
  CollectionType: z.string().nullish(),
  SortName: z.string().nullish(),
  ParentId: z.string().nullish(),
  SeriesId: z.string().nullish(),
  SeriesName: z.string().nullish(),
  SeasonId: z.string().nullish(),
  IndexNumber: z.number().nullish(),
  ParentIndexNumber: z.number().nullish(),
  ProductionYear: z.number().nullish(),
  RunTimeTicks: z.number().nullish(),
  DateCreated: z.string().nullish(),
  PremiereDate: z.string().nullish(),
  Genres: z.array(z.string()).nullish(),
  ChildCount: z.number().nullish(),
  ImageTags: z.record(z.string(), z.string()).nullish(),
  SeriesPrimaryImageTag: z.string().nullish(),
  UserData: UserData.nullish(),
});
export type JfItem = z.output<typeof JfItem>;

export const JfQueryResult = z.looseObject({
  Items: z.array(JfItem).default([]),
  TotalRecordCount: z.number().default(0),
  StartIndex: z.number().nullish(),
});
export type JfQueryResult = z.output<typeof JfQueryResult>;

export const JfItemList = z.array(JfItem);

export const TICKS_PER_SECOND = 10_000_000;

/** Types a person can press play on. */
export const PLAYABLE_TYPES = ["Movie", "Episode", "Video", "MusicVideo"] as const;
/** Types the cache keeps: the playable ones and the folders that lead to them. */
export const CACHED_TYPES = ["Movie", "Series", "Season", "Episode", "Video", "MusicVideo"] as const;
/** Library kinds that hold video. */
export const VIDEO_COLLECTIONS = new Set(["movies", "tvshows", "homevideos", "musicvideos", "mixed"]);
