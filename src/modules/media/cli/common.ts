import type { CliApp } from "../../../core/module.ts";
import { scrub } from "../../../core/redact.ts";
import type { MediaConfig } from "../config.ts";
import type { CachedItem, LibraryCache } from "../jellyfin/cache.ts";
import { MediaRuntime } from "../runtime.ts";

export type App = CliApp<MediaConfig>;

export async function runtimeFor(app: App): Promise<MediaRuntime> {
  const { ctx, config } = await app.load();
  return new MediaRuntime(ctx, config);
}

/** Messages go to stderr, so stdout stays the result a script reads. */
export function note(text: string): void {
  process.stderr.write(`${scrub(text)}\n`);
}

/** The server's item as cached, with the play state deskhub knows now (it may be newer than the copy). */
export function itemJson(cache: LibraryCache, item: CachedItem): Record<string, unknown> {
  const raw = cache.raw(item.id) ?? { Id: item.id, Name: item.name, Type: item.type };
  const userData = (raw.UserData as Record<string, unknown> | undefined) ?? {};
  return {
    ...raw,
    UserData: {
      ...userData,
      Played: item.played,
      PlaybackPositionTicks: item.positionTicks,
      ...(item.lastPlayed ? { LastPlayedDate: item.lastPlayed } : {}),
      ...(item.unplayed !== undefined ? { UnplayedItemCount: item.unplayed } : {}),
    },
  };
}
