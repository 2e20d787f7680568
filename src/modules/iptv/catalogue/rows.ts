import { z } from "zod";

export type Kind = "live" | "vod" | "series";
export const KINDS: readonly Kind[] = ["live", "vod", "series"];

/** Ids come as numbers from one panel and strings from the next. */
const Id = z.union([z.number(), z.string().min(1)]).transform(String);
const Text = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? "" : String(v)));

/** Just enough of a category to filter and rename it; the rest passes through untouched. */
export const CategoryItem = z.looseObject({ category_id: Id, category_name: Text });

/** Just enough of a stream, movie or series to file it; the rest passes through untouched. */
export const StreamItem = z.looseObject({
  stream_id: Id.optional(),
  series_id: Id.optional(),
  name: Text,
  title: Text.optional(),
  category_id: z.union([z.number(), z.string()]).nullish(),
  category_ids: z.array(z.union([z.number(), z.string()]).nullable()).nullish(),
  is_adult: z.union([z.number(), z.string(), z.boolean()]).nullish(),
  epg_channel_id: Text.optional(),
  container_extension: Text.optional(),
});

export interface CategoryRow {
  id: string;
  name: string;
  json: string;
}

export interface StreamRow {
  id: string;
  /** The categories it is filed under (category_ids, else category_id). */
  categories: string[];
  name: string;
  adult: boolean;
  epgId: string;
  /** Container extension, for VOD. */
  ext: string;
  /** Artwork link, with the base mark. */
  icon: string;
  json: string;
}

/** What a JSON list answer needs of a stream: enough to filter it, and its JSON as bytes. */
export interface ListRow {
  categories: string[];
  name: string;
  adult: boolean;
  json: Uint8Array;
}

export function categoriesOf(item: z.output<typeof StreamItem>): string[] {
  const ids = (item.category_ids ?? [])
    .filter((v): v is number | string => v !== null && v !== "")
    .map(String);
  if (ids.length) return [...new Set(ids)];
  return item.category_id === null || item.category_id === undefined || item.category_id === ""
    ? []
    : [String(item.category_id)];
}

export function isAdultFlag(value: unknown): boolean {
  return value === 1 || value === "1" || value === true;
}
