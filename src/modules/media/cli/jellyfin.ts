import { ExitCode, UserError } from "../../../core/errors.ts";
import type { CachedItem, LibraryCache } from "../jellyfin/cache.ts";
import { isOffline } from "../jellyfin/errors.ts";
import { age, itemLabel } from "../labels.ts";
import { markPlayed } from "../marks.ts";
import { playFromCli } from "../play.ts";
import { type App, itemJson, note, runtimeFor } from "./common.ts";

interface ListOptions {
  json?: boolean;
  cached?: boolean;
}

function print(
  app: App,
  cache: LibraryCache,
  items: CachedItem[],
  options: ListOptions,
  empty: string,
): void {
  if (options.json) {
    app.output.json(items.map((item) => itemJson(cache, item)));
    return;
  }
  if (items.length === 0) note(empty);
  for (const item of items) app.output.line(`${item.id}  ${itemLabel(item)}`);
}

/**
 * Asks the server and stores the answer; when the server cannot be reached, says so and
 * falls back to the cache, which still answers and says how old it is.
 */
async function fresh(cache: LibraryCache, options: ListOptions, fetch: () => Promise<void>): Promise<void> {
  if (options.cached) return;
  try {
    await fetch();
  } catch (error) {
    const refreshedAt = cache.state().refreshedAt;
    if (!isOffline(error) || refreshedAt === undefined) throw error;
    note(`${(error as Error).message}; showing the cache from ${age(refreshedAt)}`);
  }
}

export async function listAction(app: App, list: "resume" | "nextup", options: ListOptions): Promise<void> {
  const runtime = await runtimeFor(app);
  const cache = await runtime.cache();
  await fresh(cache, options, async () => {
    const client = await runtime.jellyfin();
    cache.setList(list, list === "resume" ? (await client.resume()).Items : await client.nextUp());
  });
  print(
    app,
    cache,
    cache.list(list),
    options,
    list === "resume" ? "nothing to continue watching" : "nothing up next",
  );
}

export async function latestAction(app: App, options: ListOptions & { library?: string }): Promise<void> {
  const runtime = await runtimeFor(app);
  const cache = await runtime.cache();
  await fresh(cache, options, async () => {
    const client = await runtime.jellyfin();
    cache.setViews(await client.views());
    for (const view of cache.views()) cache.setList(`latest:${view.id}`, await client.latest(view.id));
  });
  const views = cache
    .views()
    .filter((v) => !options.library || v.name.toLowerCase() === options.library.toLowerCase());
  if (options.library && views.length === 0) {
    throw new UserError(`no library named "${options.library}"`, {
      code: ExitCode.usage,
      hint: `libraries: ${
        cache
          .views()
          .map((v) => v.name)
          .join(", ") || "none cached yet (deskhub media refresh)"
      }`,
    });
  }
  if (options.json) {
    app.output.json(
      Object.fromEntries(
        views.map((view) => [
          view.name,
          cache.list(`latest:${view.id}`).map((item) => itemJson(cache, item)),
        ]),
      ),
    );
    return;
  }
  for (const view of views) {
    app.output.line(`# ${view.name}`);
    for (const item of cache.list(`latest:${view.id}`)) app.output.line(`${item.id}  ${itemLabel(item)}`);
  }
}

export async function librariesAction(app: App, options: ListOptions): Promise<void> {
  const runtime = await runtimeFor(app);
  const cache = await runtime.cache();
  await fresh(cache, options, async () => cache.setViews(await (await runtime.jellyfin()).views()));
  const views = cache.views().map((view) => ({ ...view, cached_items: cache.libraryItems(view.id).length }));
  if (options.json) {
    app.output.json(views);
    return;
  }
  for (const view of views)
    app.output.line(
      `${view.id}  ${view.name} (${view.collectionType ?? "mixed"}, ${view.cached_items} cached)`,
    );
}

export async function searchAction(app: App, words: string, options: ListOptions): Promise<void> {
  const runtime = await runtimeFor(app);
  const cache = await runtime.cache();
  let items: CachedItem[] | undefined;
  await fresh(cache, options, async () => {
    const found = await (await runtime.jellyfin()).search(words);
    cache.upsert(found);
    items = found.map((item) => cache.item(item.Id)).filter((i): i is CachedItem => i !== undefined);
  });
  print(app, cache, items ?? cache.search(words), options, `nothing matches "${words}"`);
}

/** A series by id, or by name from the cache. */
function findSeries(cache: LibraryCache, text: string): CachedItem {
  const byId = cache.item(text);
  if (byId?.type === "Series") return byId;
  const matches = cache.search(text, 200).filter((item) => item.type === "Series");
  const exact = matches.find((item) => item.name.toLowerCase() === text.toLowerCase());
  const series = exact ?? (matches.length === 1 ? matches[0] : undefined);
  if (!series) {
    throw new UserError(
      matches.length ? `"${text}" matches several series` : `no series "${text}" in the cache`,
      {
        code: ExitCode.usage,
        hint: matches.length
          ? `one of: ${matches
              .slice(0, 8)
              .map((m) => `${m.name} (${m.id})`)
              .join(", ")}`
          : "check the name, or run `deskhub media refresh`",
      },
    );
  }
  return series;
}

export async function episodesAction(
  app: App,
  text: string,
  options: ListOptions & { season?: number },
): Promise<void> {
  const runtime = await runtimeFor(app);
  const cache = await runtime.cache();
  const series = findSeries(cache, text);
  await fresh(cache, options, async () => {
    const client = await runtime.jellyfin();
    cache.upsert(await client.seasons(series.id), series.libraryId ?? undefined);
    cache.upsert(await client.episodes(series.id), series.libraryId ?? undefined);
  });
  const { season } = options;
  const episodes = cache.episodes(series.id).filter((e) => season === undefined || e.seasonNumber === season);
  print(app, cache, episodes, options, "no episodes");
}

export async function playAction(
  app: App,
  item: string,
  options: { fromStart?: boolean; start?: number; queue?: boolean },
): Promise<void> {
  const runtime = await runtimeFor(app);
  await playFromCli(
    runtime,
    {
      source: "jellyfin",
      id: item,
      from_start: options.fromStart ?? false,
      start: options.start,
      mode: options.queue ? "append-play" : "replace",
    },
    note,
  );
}

export async function markAction(app: App, item: string, played: boolean): Promise<void> {
  const runtime = await runtimeFor(app);
  const cached = await markPlayed(runtime, item, played);
  app.output.line(`${played ? "Played" : "Not played"}: ${cached ? itemLabel(cached) : item}`);
}
