import type { DatabaseSync } from "../../core/db.ts";
import type { ModuleContext } from "../../core/module.ts";

/**
 * One SQLite file for the module: the Jellyfin library cache, play states the server has
 * yet to hear, the YouTube lists, the watched list and the play history. Each entry takes
 * the schema one version up.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE jf_items (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     name TEXT NOT NULL,
     sort_name TEXT NOT NULL,
     library_id TEXT,
     parent_id TEXT,
     series_id TEXT,
     series_name TEXT,
     season_id TEXT,
     season_number INTEGER,
     episode_number INTEGER,
     year INTEGER,
     runtime_ticks INTEGER,
     date_created TEXT,
     premiere_date TEXT,
     image_tag TEXT,
     series_image_tag TEXT,
     genres TEXT,
     played INTEGER NOT NULL DEFAULT 0,
     position_ticks INTEGER NOT NULL DEFAULT 0,
     last_played TEXT,
     favorite INTEGER NOT NULL DEFAULT 0,
     raw TEXT NOT NULL
   );
   CREATE INDEX jf_items_type ON jf_items(type, sort_name);
   CREATE INDEX jf_items_parent ON jf_items(parent_id);
   CREATE INDEX jf_items_series ON jf_items(series_id, season_number, episode_number);
   CREATE INDEX jf_items_library ON jf_items(library_id, type);
   CREATE TABLE jf_views (id TEXT PRIMARY KEY, name TEXT NOT NULL, collection_type TEXT, position INTEGER NOT NULL, raw TEXT NOT NULL);
   CREATE TABLE jf_lists (list TEXT NOT NULL, position INTEGER NOT NULL, item_id TEXT NOT NULL, PRIMARY KEY (list, position));
   CREATE TABLE yt_lists (list TEXT NOT NULL, position INTEGER NOT NULL, video_id TEXT NOT NULL, raw TEXT NOT NULL, PRIMARY KEY (list, position));
   CREATE TABLE yt_list_meta (list TEXT PRIMARY KEY, fetched_at INTEGER NOT NULL);
   CREATE TABLE yt_watched (video_id TEXT PRIMARY KEY, title TEXT, watched_at INTEGER NOT NULL);
   CREATE TABLE history (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     source TEXT NOT NULL,
     item_id TEXT NOT NULL,
     title TEXT,
     started_at INTEGER NOT NULL,
     ended_at INTEGER,
     position REAL,
     duration REAL,
     watched INTEGER NOT NULL DEFAULT 0,
     end_reason TEXT
   );
   CREATE INDEX history_started ON history(started_at);`,
  // The whole-library menu reads in this order; an index on it spares a sort of 20,000 rows.
  `CREATE INDEX jf_items_menu ON jf_items(COALESCE(series_name, sort_name), season_number, episode_number);`,
  // The same order, covering every column a menu line reads: the read never touches the
  // table rows, whose raw JSON spreads 20,000 items over thousands of pages.
  `DROP INDEX jf_items_menu;
   CREATE INDEX jf_items_menu ON jf_items(COALESCE(series_name, sort_name), season_number, episode_number,
     type, id, name, series_id, series_name, year, runtime_ticks, image_tag, series_image_tag, played, position_ticks);`,
  `CREATE TABLE jf_pending (item_id TEXT PRIMARY KEY, position_ticks INTEGER NOT NULL, played INTEGER NOT NULL, at TEXT NOT NULL);`,
  // The whole-library menu kept ready-made (LibraryCache.playableLines). Whoever writes a
  // row, in whichever process, drops the copy in the same transaction; a write that
  // changes nothing a menu line shows (a refresh reading an item again) keeps it.
  `CREATE TABLE jf_menu (name TEXT PRIMARY KEY, lines TEXT NOT NULL);
   CREATE TRIGGER jf_menu_insert AFTER INSERT ON jf_items BEGIN DELETE FROM jf_menu; END;
   CREATE TRIGGER jf_menu_delete AFTER DELETE ON jf_items BEGIN DELETE FROM jf_menu; END;
   CREATE TRIGGER jf_menu_update AFTER UPDATE ON jf_items
     WHEN (OLD.type, OLD.name, OLD.sort_name, OLD.series_id, OLD.series_name, OLD.season_number,
       OLD.episode_number, OLD.year, OLD.runtime_ticks, OLD.image_tag, OLD.series_image_tag, OLD.played,
       OLD.position_ticks)
     IS NOT (NEW.type, NEW.name, NEW.sort_name, NEW.series_id, NEW.series_name, NEW.season_number,
       NEW.episode_number, NEW.year, NEW.runtime_ticks, NEW.image_tag, NEW.series_image_tag, NEW.played,
       NEW.position_ticks)
     BEGIN DELETE FROM jf_menu; END;`,
  // How each kept menu (menu/early.ts) is made, which the triggers above leave alone: whoever
  // changes the library can make the copies again from it (menu/kept.ts).
  `CREATE TABLE jf_menu_recipes (name TEXT PRIMARY KEY, recipe TEXT NOT NULL);`,
];

export const DB_FILE = "media.db";

export function openMediaDb(ctx: Pick<ModuleContext, "openDb">): Promise<DatabaseSync> {
  return ctx.openDb(DB_FILE, MIGRATIONS);
}

export function getMeta(db: DatabaseSync, key: string): string | undefined {
  const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: DatabaseSync, values: Record<string, string | number | undefined>): void {
  const upsert = db.prepare(
    "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  );
  const remove = db.prepare("DELETE FROM meta WHERE key = ?");
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) remove.run(key);
    else upsert.run(key, String(value));
  }
}

/** Runs `fn` in one transaction: a refresh lands whole or not at all. */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
