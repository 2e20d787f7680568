import type { DatabaseSync } from "../../../core/db.ts";
import { transaction } from "../db.ts";
import { YtEntry } from "./ytdlp.ts";

export interface CachedList {
  entries: YtEntry[];
  /** Epoch ms; undefined when the list was never fetched. */
  fetchedAt: number | undefined;
}

/**
 * What deskhub remembers about YouTube: the last copy of each list (so a menu opens
 * without waiting for yt-dlp) and the videos seen to the end (yt-dlp cannot remove
 * them from Watch Later, so deskhub hides them).
 */
export class YoutubeStore {
  readonly db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  saveList(list: string, entries: readonly YtEntry[], now = Date.now()): void {
    const insert = this.db.prepare(
      "INSERT INTO yt_lists (list, position, video_id, raw) VALUES (?, ?, ?, ?)",
    );
    transaction(this.db, () => {
      this.db.prepare("DELETE FROM yt_lists WHERE list = ?").run(list);
      entries.forEach((entry, i) => {
        insert.run(list, i, entry.id, JSON.stringify(entry));
      });
      this.db
        .prepare(
          "INSERT INTO yt_list_meta (list, fetched_at) VALUES (?, ?) ON CONFLICT(list) DO UPDATE SET fetched_at = excluded.fetched_at",
        )
        .run(list, now);
    });
  }

  list(list: string): CachedList {
    const rows = this.db
      .prepare("SELECT raw FROM yt_lists WHERE list = ? ORDER BY position")
      .all(list) as Array<{ raw: string }>;
    const meta = this.db
      .prepare("SELECT fetched_at AS fetchedAt FROM yt_list_meta WHERE list = ?")
      .get(list) as { fetchedAt: number } | undefined;
    const entries: YtEntry[] = [];
    for (const row of rows) {
      const parsed = YtEntry.safeParse(JSON.parse(row.raw));
      if (parsed.success) entries.push(parsed.data);
    }
    return { entries, fetchedAt: meta?.fetchedAt };
  }

  /** Any cached entry for a video id, for a title and duration when it plays. */
  entry(videoId: string): YtEntry | undefined {
    const row = this.db.prepare("SELECT raw FROM yt_lists WHERE video_id = ? LIMIT 1").get(videoId) as
      | { raw: string }
      | undefined;
    if (!row) return undefined;
    const parsed = YtEntry.safeParse(JSON.parse(row.raw));
    return parsed.success ? parsed.data : undefined;
  }

  markWatched(videoId: string, title: string | undefined, now = Date.now()): void {
    this.db
      .prepare(
        "INSERT INTO yt_watched (video_id, title, watched_at) VALUES (?, ?, ?) ON CONFLICT(video_id) DO UPDATE SET watched_at = excluded.watched_at",
      )
      .run(videoId, title ?? null, now);
  }

  unmarkWatched(videoId: string): boolean {
    return this.db.prepare("DELETE FROM yt_watched WHERE video_id = ?").run(videoId).changes > 0;
  }

  watchedIds(): Set<string> {
    const rows = this.db.prepare("SELECT video_id AS id FROM yt_watched").all() as Array<{ id: string }>;
    return new Set(rows.map((r) => r.id));
  }
}
