import type { DatabaseSync } from "../../../core/db.ts";
import { getMeta, setMeta, transaction } from "../db.ts";
import type { JfItem } from "./item.ts";

/** A library item as the menus and the player read it from the cache. */
export interface CachedItem {
  id: string;
  type: string;
  name: string;
  libraryId: string | null;
  parentId: string | null;
  seriesId: string | null;
  seriesName: string | null;
  seasonId: string | null;
  seasonNumber: number | null;
  episodeNumber: number | null;
  year: number | null;
  runtimeTicks: number | null;
  imageTag: string | null;
  seriesImageTag: string | null;
  played: boolean;
  positionTicks: number;
  lastPlayed: string | null;
  favorite: boolean;
  /** Series and seasons: episodes not played yet. */
  unplayed?: number;
}

export interface CachedView {
  id: string;
  name: string;
  collectionType: string | null;
}

export interface CacheState {
  serverUrl?: string;
  serverId?: string;
  serverName?: string;
  serverVersion?: string;
  userId?: string;
  userName?: string;
  /** Epoch ms of the last successful refresh, full or incremental. */
  refreshedAt?: number;
  fullRefreshedAt?: number;
  /** Server time at the start of the last refresh; the next one asks for items saved since. */
  watermark?: string;
  items: number;
}

const COLUMNS = `id, type, name, library_id, parent_id, series_id, series_name, season_id, season_number, episode_number,
  year, runtime_ticks, image_tag, series_image_tag, played, position_ticks, last_played, favorite`;

/** The same columns, minus those a menu line never shows: fewer values for the 20,000-row read. */
const MENU_COLUMNS = `id, type, name, NULL, NULL, series_id, series_name, NULL, season_number, episode_number,
  year, runtime_ticks, image_tag, series_image_tag, played, position_ticks, NULL, 0`;

type Row = [
  string,
  string,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  number | null,
  number | null,
  number | null,
  number | null,
  string | null,
  string | null,
  number,
  number,
  string | null,
  number,
];

/**
 * Rows come back as arrays, not objects: for the 20,000 rows of a whole-library menu,
 * node:sqlite builds arrays about twice as fast as objects with named keys.
 */
function fromRow(r: Row): CachedItem {
  return {
    id: r[0],
    type: r[1],
    name: r[2],
    libraryId: r[3],
    parentId: r[4],
    seriesId: r[5],
    seriesName: r[6],
    seasonId: r[7],
    seasonNumber: r[8],
    episodeNumber: r[9],
    year: r[10],
    runtimeTicks: r[11],
    imageTag: r[12],
    seriesImageTag: r[13],
    played: r[14] === 1,
    positionTicks: r[15],
    lastPlayed: r[16],
    favorite: r[17] === 1,
  };
}

/** Copies kept beside the whole-library rows: one per menu program and session a user opens it from. */
const KEPT_BESIDE_LINES = 3;

/**
 * The Jellyfin library on disk. Menus read it without touching the network; refreshes
 * write it in transactions, so a refresh cut short by the server going away leaves the
 * last good copy. Item fields the cache has no column for live on in `raw`.
 */

export class LibraryCache {
  readonly db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  #rows(sql: string, ...args: Array<string | number | null>): CachedItem[] {
    const statement = this.db.prepare(sql);
    statement.setReturnArrays(true);
    return (statement.all(...args) as unknown as Row[]).map(fromRow);
  }

  state(): CacheState {
    const num = (key: string) => {
      const value = getMeta(this.db, key);
      return value === undefined ? undefined : Number(value);
    };
    const count = this.db.prepare("SELECT count(*) AS n FROM jf_items").get() as { n: number };
    return {
      serverUrl: getMeta(this.db, "jf.server_url"),
      serverId: getMeta(this.db, "jf.server_id"),
      serverName: getMeta(this.db, "jf.server_name"),
      serverVersion: getMeta(this.db, "jf.server_version"),
      userId: getMeta(this.db, "jf.user_id"),
      userName: getMeta(this.db, "jf.user_name"),
      refreshedAt: num("jf.refreshed_at"),
      fullRefreshedAt: num("jf.full_refreshed_at"),
      watermark: getMeta(this.db, "jf.watermark"),
      items: count.n,
    };
  }

  setState(values: Partial<Omit<CacheState, "items">>): void {
    setMeta(this.db, {
      "jf.server_url": values.serverUrl,
      "jf.server_id": values.serverId,
      "jf.server_name": values.serverName,
      "jf.server_version": values.serverVersion,
      "jf.user_id": values.userId,
      "jf.user_name": values.userName,
      "jf.refreshed_at": values.refreshedAt,
      "jf.full_refreshed_at": values.fullRefreshedAt,
      "jf.watermark": values.watermark,
    });
  }

  /** Only the keys given; `setState` would remove the others. */
  patchState(values: Partial<Omit<CacheState, "items">>): void {
    const current = this.state();
    this.setState({ ...current, ...values });
  }

  /** A different server or user: nothing cached applies. */
  clear(): void {
    transaction(this.db, () => {
      this.db.exec(
        "DELETE FROM jf_items; DELETE FROM jf_views; DELETE FROM jf_lists; DELETE FROM meta WHERE key LIKE 'jf.%';",
      );
    });
  }

  upsert(items: readonly JfItem[], libraryId?: string): void {
    if (items.length === 0) return;
    const statement =
      this.db.prepare(`INSERT INTO jf_items (id, type, name, sort_name, library_id, parent_id, series_id,
        series_name, season_id, season_number, episode_number, year, runtime_ticks, date_created, premiere_date, image_tag,
        series_image_tag, genres, played, position_ticks, last_played, favorite, raw)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET type = excluded.type, name = excluded.name, sort_name = excluded.sort_name,
        library_id = COALESCE(excluded.library_id, jf_items.library_id),
        parent_id = COALESCE(excluded.parent_id, jf_items.parent_id), series_id = excluded.series_id,
        series_name = excluded.series_name, season_id = excluded.season_id, season_number = excluded.season_number,
        episode_number = excluded.episode_number, year = excluded.year, runtime_ticks = excluded.runtime_ticks,
        date_created = COALESCE(excluded.date_created, jf_items.date_created), premiere_date = excluded.premiere_date,
        image_tag = excluded.image_tag, series_image_tag = excluded.series_image_tag,
        genres = COALESCE(excluded.genres, jf_items.genres), played = excluded.played,
        position_ticks = excluded.position_ticks, last_played = excluded.last_played, favorite = excluded.favorite,
        raw = excluded.raw`);
    transaction(this.db, () => {
      for (const item of items) {
        const data = item.UserData;
        statement.run(
          item.Id,
          item.Type ?? "Unknown",
          item.Name ?? "",
          (item.SortName ?? item.Name ?? "").toLowerCase(),
          libraryId ?? null,
          item.ParentId ?? null,
          item.SeriesId ?? null,
          item.SeriesName ?? null,
          item.SeasonId ?? null,
          item.Type === "Season" ? (item.IndexNumber ?? null) : (item.ParentIndexNumber ?? null),
          item.Type === "Season" ? null : (item.IndexNumber ?? null),
          item.ProductionYear ?? null,
          item.RunTimeTicks ?? null,
          item.DateCreated ?? null,
          item.PremiereDate ?? null,
          item.ImageTags?.Primary ?? null,
          item.SeriesPrimaryImageTag ?? null,
          item.Genres ? item.Genres.join(", ") : null,
          data?.Played ? 1 : 0,
          Math.round(data?.PlaybackPositionTicks ?? 0),
          data?.LastPlayedDate ?? null,
          data?.IsFavorite ? 1 : 0,
          JSON.stringify(item),
        );
      }
    });
  }

  /** Applies fresh user data (played, position) to items already cached. */
  updateUserData(items: readonly JfItem[]): void {
    const statement = this.db.prepare(
      "UPDATE jf_items SET played = ?, position_ticks = ?, last_played = ?, favorite = ? WHERE id = ?",
    );
    transaction(this.db, () => {
      for (const item of items) {
        const data = item.UserData;
        if (!data) continue;
        statement.run(
          data.Played ? 1 : 0,
          Math.round(data.PlaybackPositionTicks ?? 0),
          data.LastPlayedDate ?? null,
          data.IsFavorite ? 1 : 0,
          item.Id,
        );
      }
    });
  }

  /** What the player learned: the cache follows at once, before the next refresh. */
  setPlayState(id: string, state: { played?: boolean; positionTicks?: number; lastPlayed?: string }): void {
    const current = this.item(id);
    if (!current) return;
    this.db
      .prepare("UPDATE jf_items SET played = ?, position_ticks = ?, last_played = ? WHERE id = ?")
      .run(
        (state.played ?? current.played) ? 1 : 0,
        Math.round(state.positionTicks ?? current.positionTicks),
        state.lastPlayed ?? current.lastPlayed,
        id,
      );
  }

  /** Positions of items no longer resumable on the server (finished or reset elsewhere). */
  clearPositionsExcept(ids: ReadonlySet<string>): void {
    const rows = this.db.prepare("SELECT id FROM jf_items WHERE position_ticks > 0").all() as Array<{
      id: string;
    }>;
    const statement = this.db.prepare("UPDATE jf_items SET position_ticks = 0 WHERE id = ?");
    transaction(this.db, () => {
      for (const row of rows) if (!ids.has(row.id)) statement.run(row.id);
    });
  }

  removeMissing(libraryId: string, present: ReadonlySet<string>): number {
    const rows = this.db.prepare("SELECT id FROM jf_items WHERE library_id = ?").all(libraryId) as Array<{
      id: string;
    }>;
    const statement = this.db.prepare("DELETE FROM jf_items WHERE id = ?");
    let removed = 0;
    transaction(this.db, () => {
      for (const row of rows) {
        if (!present.has(row.id)) {
          statement.run(row.id);
          removed++;
        }
      }
    });
    return removed;
  }

  countIn(libraryId: string, types: readonly string[]): number {
    const row = this.db
      .prepare(
        `SELECT count(*) AS n FROM jf_items WHERE library_id = ? AND type IN (${types.map(() => "?").join(",")})`,
      )
      .get(libraryId, ...types) as { n: number };
    return row.n;
  }

  setViews(views: readonly JfItem[]): void {
    const insert = this.db.prepare(
      "INSERT INTO jf_views (id, name, collection_type, position, raw) VALUES (?, ?, ?, ?, ?)",
    );
    transaction(this.db, () => {
      this.db.exec("DELETE FROM jf_views");
      views.forEach((view, i) => {
        insert.run(view.Id, view.Name ?? "", view.CollectionType ?? null, i, JSON.stringify(view));
      });
    });
  }

  views(): CachedView[] {
    return this.db
      .prepare("SELECT id, name, collection_type AS collectionType FROM jf_views ORDER BY position")
      .all() as unknown as CachedView[];
  }

  setList(list: string, items: readonly JfItem[]): void {
    this.upsert(items);
    const insert = this.db.prepare("INSERT INTO jf_lists (list, position, item_id) VALUES (?, ?, ?)");
    transaction(this.db, () => {
      this.db.prepare("DELETE FROM jf_lists WHERE list = ?").run(list);
      items.forEach((item, i) => {
        insert.run(list, i, item.Id);
      });
    });
  }

  list(list: string): CachedItem[] {
    return this.#withUnplayed(
      this.#rows(
        `SELECT ${COLUMNS} FROM jf_lists l JOIN jf_items i ON i.id = l.item_id WHERE l.list = ? ORDER BY l.position`,
        list,
      ),
    );
  }

  item(id: string): CachedItem | undefined {
    return this.#withUnplayed(this.#rows(`SELECT ${COLUMNS} FROM jf_items WHERE id = ?`, id))[0];
  }

  raw(id: string): Record<string, unknown> | undefined {
    const row = this.db.prepare("SELECT raw FROM jf_items WHERE id = ?").get(id) as
      | { raw: string }
      | undefined;
    return row ? (JSON.parse(row.raw) as Record<string, unknown>) : undefined;
  }

  /** Movies and series of a library (or its direct children for other kinds), by sort name. */
  libraryItems(libraryId: string): CachedItem[] {
    return this.#withUnplayed(
      this.#rows(
        `SELECT ${COLUMNS} FROM jf_items WHERE library_id = ? AND type NOT IN ('Season', 'Episode') ORDER BY sort_name`,
        libraryId,
      ),
    );
  }

  seasons(seriesId: string): CachedItem[] {
    return this.#withUnplayed(
      this.#rows(
        `SELECT ${COLUMNS} FROM jf_items WHERE series_id = ? AND type = 'Season' ORDER BY season_number, sort_name`,
        seriesId,
      ),
    );
  }

  episodes(seriesId: string, seasonId?: string): CachedItem[] {
    return seasonId
      ? this.#rows(
          `SELECT ${COLUMNS} FROM jf_items WHERE season_id = ? AND type = 'Episode' ORDER BY episode_number`,
          seasonId,
        )
      : this.#rows(
          `SELECT ${COLUMNS} FROM jf_items WHERE series_id = ? AND type = 'Episode' ORDER BY season_number, episode_number`,
          seriesId,
        );
  }

  /**
   * Every playable item, for the one big fuzzy menu; the hot path of a menu opened from
   * the cache. Library, parent, season, last-played and favourite are left out.
   */
  playable(): CachedItem[] {
    // The order is the jf_items_menu index's, and it covers every column read here, so the
    // scan never leaves it. `+type` keeps SQLite from picking the type index and sorting
    // 20,000 rows afterwards, which measured a third slower than walking this one.
    return this.#rows(
      `SELECT ${MENU_COLUMNS} FROM jf_items WHERE +type IN ('Movie', 'Episode', 'Video', 'MusicVideo')
       ORDER BY COALESCE(series_name, sort_name), season_number, episode_number`,
    );
  }

  /**
   * The lines of the whole-library menu, made by `build` from `playable()` and kept in
   * jf_menu under `key` (which names the format): reading one stored value is several
   * times quicker than turning 20,000 rows into lines. A changed row drops the copy (see
   * the jf_menu triggers); building it again inside a write transaction keeps any change
   * from slipping in between reading the rows and storing their lines.
   */
  playableLines(key: string, build: (items: CachedItem[]) => Buffer): Buffer {
    const stored = this.db.prepare("SELECT lines FROM jf_menu WHERE name = ?").get(key) as
      | { lines: Uint8Array }
      | undefined;
    if (stored) return Buffer.from(stored.lines.buffer, stored.lines.byteOffset, stored.lines.byteLength);
    return transaction(this.db, () => {
      const lines = build(this.playable());
      // A copy in an older format would only take up room.
      this.db.exec("DELETE FROM jf_menu");
      this.db.prepare("INSERT INTO jf_menu (name, lines) VALUES (?, ?)").run(key, lines);
      return lines;
    });
  }

  /**
   * Keeps another value next to the rows stored under `rowsKey`, only while they are
   * still `rows`: a refresh that changed them in between (and dropped every copy) must
   * not get a copy made from the old ones back. The last few are kept, one per name.
   */
  keepBesideLines(name: string, value: Uint8Array, rowsKey: string, rows: Uint8Array): void {
    transaction(this.db, () => {
      this.db
        .prepare(
          "INSERT OR REPLACE INTO jf_menu (name, lines) SELECT ?, ? WHERE (SELECT lines FROM jf_menu WHERE name = ?) = ?",
        )
        .run(name, value, rowsKey, rows);
      this.db
        .prepare(
          `DELETE FROM jf_menu WHERE name != ? AND rowid NOT IN
             (SELECT rowid FROM jf_menu WHERE name != ? ORDER BY rowid DESC LIMIT ?)`,
        )
        .run(rowsKey, rowsKey, KEPT_BESIDE_LINES);
    });
  }

  /** Keeps how the menu kept under `name` is made, the last few (see `keepBesideLines`). */
  keepRecipe(name: string, recipe: string): void {
    transaction(this.db, () => {
      this.db
        .prepare("INSERT OR REPLACE INTO jf_menu_recipes (name, recipe) VALUES (?, ?)")
        .run(name, recipe);
      this.db
        .prepare(
          "DELETE FROM jf_menu_recipes WHERE rowid NOT IN (SELECT rowid FROM jf_menu_recipes ORDER BY rowid DESC LIMIT ?)",
        )
        .run(KEPT_BESIDE_LINES);
    });
  }

  /** The recipes whose menu a change to the library has dropped. */
  recipesWithoutCopies(): Array<{ name: string; recipe: string }> {
    return this.db
      .prepare("SELECT name, recipe FROM jf_menu_recipes WHERE name NOT IN (SELECT name FROM jf_menu)")
      .all() as Array<{ name: string; recipe: string }>;
  }

  /** Offline search: names, series names and years containing every word. */
  search(query: string, limit = 50): CachedItem[] {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return [];
    const where = words
      .map(() => "(lower(name) LIKE ? OR lower(COALESCE(series_name, '')) LIKE ? OR year = ?)")
      .join(" AND ");
    const args = words.flatMap((word) => [`%${word}%`, `%${word}%`, Number(word) || -1]);
    return this.#withUnplayed(
      this.#rows(
        `SELECT ${COLUMNS} FROM jf_items WHERE type IN ('Movie', 'Series', 'Episode', 'Video', 'MusicVideo') AND ${where}
         ORDER BY CASE type WHEN 'Movie' THEN 0 WHEN 'Series' THEN 0 ELSE 1 END, sort_name LIMIT ?`,
        ...args,
        limit,
      ),
    );
  }

  #withUnplayed(items: CachedItem[]): CachedItem[] {
    const folders = items.filter((item) => item.type === "Series" || item.type === "Season");
    if (folders.length === 0) return items;
    const bySeries = this.db.prepare(
      "SELECT count(*) AS n FROM jf_items WHERE series_id = ? AND type = 'Episode' AND played = 0",
    );
    const bySeason = this.db.prepare(
      "SELECT count(*) AS n FROM jf_items WHERE season_id = ? AND type = 'Episode' AND played = 0",
    );
    for (const folder of folders) {
      const row = (folder.type === "Series" ? bySeries.get(folder.id) : bySeason.get(folder.id)) as {
        n: number;
      };
      folder.unplayed = row.n;
    }
    return items;
  }
}
