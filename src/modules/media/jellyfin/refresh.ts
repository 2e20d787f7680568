import type { CacheState, LibraryCache } from "./cache.ts";
import type { JellyfinClient } from "./client.ts";
import { CACHED_TYPES, type JfItem, VIDEO_COLLECTIONS } from "./item.ts";

export interface RefreshResult {
  mode: "full" | "incremental";
  /** Items read from the server (changed ones, on an incremental refresh). */
  fetched: number;
  removed: number;
  libraries: number;
  items: number;
  ms: number;
}

export interface RefreshOptions {
  full?: boolean;
  pageSize: number;
  /** Seconds after which an incremental refresh turns into a full one. */
  fullEvery: number;
  now?: () => number;
}

/** Seconds taken off the watermark, so an item saved in the same second is not missed. */
const OVERLAP_MS = 1000;

function needsFull(state: CacheState, client: JellyfinClient, options: RefreshOptions, now: number): boolean {
  if (options.full) return true;
  if (!state.watermark || !state.fullRefreshedAt) return true;
  if (state.serverId !== client.server.id || state.userId !== client.userId) return true;
  return now - state.fullRefreshedAt > options.fullEvery * 1000;
}

async function readAll(
  client: JellyfinClient,
  libraryId: string,
  pageSize: number,
  onPage: (items: JfItem[]) => void,
  options: { since?: string; idsOnly?: boolean } = {},
): Promise<number> {
  let start = 0;
  let total = 0;
  for (;;) {
    const page = await client.itemsPage({ libraryId, startIndex: start, limit: pageSize, ...options });
    onPage(page.Items);
    total += page.Items.length;
    start += page.Items.length;
    if (page.Items.length < pageSize || start >= page.TotalRecordCount) return total;
  }
}

/**
 * Brings the cache up to date. Incremental: only items the server saved since the last
 * refresh (minDateLastSaved, on the server's clock), plus the small lists whose user
 * data moves without the item being saved (Continue Watching, Next Up, recently
 * played, Latest); a count that no longer matches triggers an id sweep to find what
 * was deleted. Full: every item, and whatever is gone from the server goes from the cache.
 */
export async function refreshLibrary(
  client: JellyfinClient,
  cache: LibraryCache,
  options: RefreshOptions,
): Promise<RefreshResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const state = cache.state();
  if (state.serverId && (state.serverId !== client.server.id || state.userId !== client.userId))
    cache.clear();
  const full = needsFull(state, client, options, started);
  const serverTime = await client.serverTime();
  const since = full ? undefined : new Date(Date.parse(state.watermark!) - OVERLAP_MS).toISOString();

  const views = (await client.views()).filter(
    (view) => !view.CollectionType || VIDEO_COLLECTIONS.has(view.CollectionType),
  );
  let fetched = 0;
  let removed = 0;
  for (const view of views) {
    const seen = new Set<string>();
    fetched += await readAll(
      client,
      view.Id,
      options.pageSize,
      (items) => {
        cache.upsert(items, view.Id);
        for (const item of items) seen.add(item.Id);
      },
      { since },
    );
    if (full) {
      removed += cache.removeMissing(view.Id, seen);
      continue;
    }
    const remote = (await client.itemsPage({ libraryId: view.Id, startIndex: 0, limit: 1, idsOnly: true }))
      .TotalRecordCount;
    if (remote !== cache.countIn(view.Id, CACHED_TYPES)) {
      const present = new Set<string>();
      await readAll(
        client,
        view.Id,
        options.pageSize * 5,
        (items) => {
          for (const item of items) present.add(item.Id);
        },
        { idsOnly: true },
      );
      removed += cache.removeMissing(view.Id, present);
    }
  }
  cache.setViews(views);

  const resume = await client.resume(100);
  cache.setList("resume", resume.Items);
  if (resume.TotalRecordCount <= resume.Items.length)
    cache.clearPositionsExcept(new Set(resume.Items.map((i) => i.Id)));
  cache.updateUserData(await client.recentlyPlayed(200));
  cache.setList("nextup", await client.nextUp(50));
  for (const view of views) cache.setList(`latest:${view.Id}`, await client.latest(view.Id, 30));

  const finished = now();
  cache.patchState({
    serverUrl: client.baseUrl,
    serverId: client.server.id,
    serverName: client.server.name,
    serverVersion: client.server.version,
    userId: client.userId,
    userName: client.userName,
    refreshedAt: finished,
    watermark: serverTime,
    ...(full ? { fullRefreshedAt: finished } : {}),
  });
  return {
    mode: full ? "full" : "incremental",
    fetched,
    removed,
    libraries: views.length,
    items: cache.state().items,
    ms: finished - started,
  };
}
