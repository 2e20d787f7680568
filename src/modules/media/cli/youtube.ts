import { ExitCode, UserError } from "../../../core/errors.ts";
import { isOffline } from "../jellyfin/errors.ts";
import { age, entryLabel, entryMeta } from "../labels.ts";
import { playFromCli } from "../play.ts";
import { youtubeId } from "../player/identity.ts";
import type { ListName } from "../youtube/feeds.ts";
import type { YtEntry } from "../youtube/ytdlp.ts";
import { type App, note, runtimeFor } from "./common.ts";

function print(
  app: App,
  entries: readonly YtEntry[],
  watched: ReadonlySet<string>,
  json: boolean | undefined,
): void {
  if (json) {
    app.output.json(entries.map((entry) => ({ ...entry, deskhub_watched: watched.has(entry.id) })));
    return;
  }
  for (const entry of entries) {
    const meta = entryMeta(entry);
    app.output.line(`${entry.id}  ${entryLabel(entry, watched.has(entry.id))}${meta ? `  (${meta})` : ""}`);
  }
}

export async function searchAction(
  app: App,
  words: string,
  options: { limit?: number; json?: boolean },
): Promise<void> {
  const youtube = await (await runtimeFor(app)).youtube();
  const entries = await youtube.search(words, options.limit);
  if (entries.length === 0 && !options.json) note(`nothing found for "${words}"`);
  print(app, entries, youtube.store.watchedIds(), options.json);
}

export async function listAction(
  app: App,
  list: Exclude<ListName, `search:${string}`>,
  options: { all?: boolean; cached?: boolean; json?: boolean },
): Promise<void> {
  const youtube = await (await runtimeFor(app)).youtube();
  if (!options.cached) {
    try {
      await youtube.fetch(list);
    } catch (error) {
      const { fetchedAt } = youtube.cached(list);
      if (!isOffline(error) || fetchedAt === undefined) throw error;
      note(`${(error as Error).message}; showing the copy from ${age(fetchedAt)}`);
    }
  }
  const { entries, fetchedAt, hidden } = youtube.cached(list, { all: options.all });
  if (fetchedAt === undefined && options.cached) note("nothing cached yet: run it without --cached once");
  if (hidden && !options.json) note(`${hidden} watched here and hidden (--all shows them)`);
  print(app, entries, youtube.store.watchedIds(), options.json);
}

function videoId(text: string): string {
  const id = youtubeId(text);
  if (!id) {
    throw new UserError(`"${text}" is not a YouTube video id or URL`, {
      code: ExitCode.usage,
      hint: "give the 11-character id or a youtube.com/watch?v= or youtu.be link",
    });
  }
  return id;
}

export async function playAction(
  app: App,
  video: string,
  options: { start?: number; queue?: boolean },
): Promise<void> {
  await playFromCli(
    await runtimeFor(app),
    {
      source: "youtube",
      id: videoId(video),
      start: options.start,
      mode: options.queue ? "append-play" : "replace",
    },
    note,
  );
}

export async function watchedAction(app: App, video: string, options: { undo?: boolean }): Promise<void> {
  const store = await (await runtimeFor(app)).youtubeStore();
  const id = videoId(video);
  if (options.undo) {
    app.output.line(store.unmarkWatched(id) ? `not watched: ${id}` : `${id} was not marked watched`);
    return;
  }
  store.markWatched(id, store.entry(id)?.title ?? undefined);
  app.output.line(`watched: ${store.entry(id)?.title ?? id}`);
}

export async function historyAction(app: App, options: { limit?: number; json?: boolean }): Promise<void> {
  const rows = (await (await runtimeFor(app)).history()).recent(options.limit ?? 30);
  if (options.json) {
    app.output.json(rows);
    return;
  }
  for (const row of rows) {
    const when = new Date(row.startedAt).toISOString().slice(0, 16).replace("T", " ");
    const state = row.watched
      ? "watched"
      : row.position
        ? `stopped at ${Math.round(row.position)} s`
        : (row.endReason ?? "playing");
    app.output.line(`${when}  ${row.source}  ${row.title ?? row.itemId}  (${state})`);
  }
}
