import type { CachedItem } from "./jellyfin/cache.ts";
import type { MediaRuntime } from "./runtime.ts";

/**
 * Marks an item played or not on the server, then reads it (and, for a series or a
 * season, its episodes) back into the cache, so menus show the server's verdict.
 */
export async function markPlayed(
  runtime: MediaRuntime,
  id: string,
  played: boolean,
): Promise<CachedItem | undefined> {
  const client = await runtime.jellyfin();
  await client.setPlayed(id, played);
  const cache = await runtime.cache();
  const item = await client.item(id);
  cache.upsert([item]);
  if (item.Type === "Series" || item.Type === "Season") {
    const seriesId = item.Type === "Series" ? item.Id : (item.SeriesId ?? item.Id);
    cache.updateUserData(await client.episodes(seriesId, item.Type === "Season" ? item.Id : undefined));
  }
  await runtime.remakeMenus();
  return cache.item(id);
}
