import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { CategoryRow, Kind, ListRow, StreamRow } from "./rows.ts";

export const CATALOGUE_DB = "iptv.sqlite";

/**
 * Lists are written under a new generation number and switched to in one small
 * transaction, so readers (this process or another) never see half a refresh and a
 * refresh never blocks them for long.
 */
export const MIGRATIONS = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE categories (kind TEXT NOT NULL, gen INTEGER NOT NULL, pos INTEGER NOT NULL,
     category_id TEXT NOT NULL, name TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (kind, gen, pos));
   CREATE TABLE streams (kind TEXT NOT NULL, gen INTEGER NOT NULL, pos INTEGER NOT NULL,
     stream_id TEXT NOT NULL, categories TEXT NOT NULL, name TEXT NOT NULL, adult INTEGER NOT NULL,
     epg_id TEXT NOT NULL, ext TEXT NOT NULL, icon TEXT NOT NULL, json TEXT NOT NULL,
     PRIMARY KEY (kind, gen, pos));
   CREATE INDEX streams_by_id ON streams (kind, gen, stream_id);
   CREATE TABLE details (kind TEXT NOT NULL, id TEXT NOT NULL, fetched_at INTEGER NOT NULL, json TEXT NOT NULL,
     PRIMARY KEY (kind, id));
   CREATE TABLE episodes (episode_id TEXT PRIMARY KEY, series_id TEXT NOT NULL, ext TEXT NOT NULL);`,
];

interface RawStream {
  stream_id: string;
  categories: string;
  name: string;
  adult: number;
  epg_id: string;
  ext: string;
  icon: string;
  json: string;
}

function toStream(raw: RawStream): StreamRow {
  return {
    id: raw.stream_id,
    categories: raw.categories ? raw.categories.split(",") : [],
    name: raw.name,
    adult: raw.adult === 1,
    epgId: raw.epg_id,
    ext: raw.ext,
    icon: raw.icon,
    json: raw.json,
  };
}

const STREAM_COLUMNS = "stream_id, categories, name, adult, epg_id, ext, icon, json";
const PAGE = 2000;

type PageRow = [number, string, string, string, number, string, string, string, string];

function fromArray(row: PageRow): StreamRow {
  const categories = row[2];
  return {
    id: row[1],
    categories: categories ? (categories.includes(",") ? categories.split(",") : [categories]) : [],
    name: row[3],
    adult: row[4] === 1,
    epgId: row[5],
    ext: row[6],
    icon: row[7],
    json: row[8],
  };
}

/** The catalogue's SQL, prepared once. */
export class CatalogueDb {
  readonly db: DatabaseSync;
  readonly #getMeta: StatementSync;
  readonly #setMeta: StatementSync;
  readonly #categories: StatementSync;
  readonly #streams: StatementSync;
  readonly #list: StatementSync;
  readonly #stream: StatementSync;
  readonly #insertCategory: StatementSync;
  readonly #insertStream: StatementSync;
  readonly #getDetail: StatementSync;
  readonly #setDetail: StatementSync;
  readonly #episode: StatementSync;
  readonly #setEpisode: StatementSync;

  constructor(db: DatabaseSync) {
    this.db = db;
    this.#getMeta = db.prepare("SELECT value FROM meta WHERE key = ?");
    this.#setMeta = db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
    this.#categories = db.prepare(
      "SELECT category_id, name, json FROM categories WHERE kind = ? AND gen = ? ORDER BY pos",
    );
    // Pages of rows as arrays: a third of the time of iterating row objects one by one.
    this.#streams = db.prepare(
      `SELECT pos, ${STREAM_COLUMNS} FROM streams WHERE kind = ? AND gen = ? AND pos >= ? ORDER BY pos LIMIT ${PAGE}`,
    );
    this.#streams.setReturnArrays(true);
    // The JSON as bytes: a 30,000-channel answer then never passes through the JS heap as strings.
    this.#list = db.prepare(
      `SELECT pos, categories, name, adult, CAST(json AS BLOB) FROM streams WHERE kind = ? AND gen = ? AND pos >= ? ORDER BY pos LIMIT ${PAGE}`,
    );
    this.#list.setReturnArrays(true);
    this.#stream = db.prepare(
      `SELECT ${STREAM_COLUMNS} FROM streams WHERE kind = ? AND gen = ? AND stream_id = ? LIMIT 1`,
    );
    this.#insertCategory = db.prepare(
      "INSERT INTO categories (kind, gen, pos, category_id, name, json) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.#insertStream = db.prepare(
      `INSERT INTO streams (kind, gen, pos, ${STREAM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#getDetail = db.prepare("SELECT fetched_at, json FROM details WHERE kind = ? AND id = ?");
    this.#setDetail = db.prepare(
      "INSERT INTO details (kind, id, fetched_at, json) VALUES (?, ?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET fetched_at = excluded.fetched_at, json = excluded.json",
    );
    this.#episode = db.prepare("SELECT series_id, ext FROM episodes WHERE episode_id = ?");
    this.#setEpisode = db.prepare(
      "INSERT INTO episodes (episode_id, series_id, ext) VALUES (?, ?, ?) ON CONFLICT(episode_id) DO UPDATE SET series_id = excluded.series_id, ext = excluded.ext",
    );
  }

  meta(key: string): string | undefined {
    return (this.#getMeta.get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.#setMeta.run(key, value);
  }

  generation(kind: Kind): number | undefined {
    const value = this.meta(`gen:${kind}`);
    return value === undefined ? undefined : Number(value);
  }

  categories(kind: Kind, gen: number): CategoryRow[] {
    return (
      this.#categories.all(kind, gen) as Array<{ category_id: string; name: string; json: string }>
    ).map((r) => ({
      id: r.category_id,
      name: r.name,
      json: r.json,
    }));
  }

  *streams(kind: Kind, gen: number): Generator<StreamRow> {
    let from = 0;
    for (;;) {
      const page = this.#streams.all(kind, gen, from) as unknown as PageRow[];
      for (const row of page) yield fromArray(row);
      if (page.length < PAGE) return;
      from = page.at(-1)![0] + 1;
    }
  }

  *list(kind: Kind, gen: number): Generator<ListRow> {
    let from = 0;
    for (;;) {
      const page = this.#list.all(kind, gen, from) as unknown as Array<
        [number, string, string, number, Uint8Array]
      >;
      for (const [, categories, name, adult, json] of page) {
        yield {
          categories: categories ? (categories.includes(",") ? categories.split(",") : [categories]) : [],
          name,
          adult: adult === 1,
          json,
        };
      }
      if (page.length < PAGE) return;
      from = page.at(-1)![0] + 1;
    }
  }

  stream(kind: Kind, gen: number, id: string): StreamRow | undefined {
    const raw = this.#stream.get(kind, gen, id) as RawStream | undefined;
    return raw ? toStream(raw) : undefined;
  }

  insertCategories(kind: Kind, gen: number, rows: readonly CategoryRow[]): void {
    this.#transaction(() => {
      for (const [pos, row] of rows.entries())
        this.#insertCategory.run(kind, gen, pos, row.id, row.name, row.json);
    });
  }

  insertStreams(kind: Kind, gen: number, firstPos: number, rows: readonly StreamRow[]): void {
    this.#transaction(() => {
      for (const [i, r] of rows.entries()) {
        this.#insertStream.run(
          kind,
          gen,
          firstPos + i,
          r.id,
          r.categories.join(","),
          r.name,
          r.adult ? 1 : 0,
          r.epgId,
          r.ext,
          r.icon,
          r.json,
        );
      }
    });
  }

  /**
   * Makes `gen` the one readers see, with when it was fetched, unless a newer one (from
   * a refresh in another process) already is: then false, and the caller drops its rows.
   */
  commit(
    kind: Kind,
    gen: number,
    fetchedAt: number,
    counts: { categories: number; streams: number },
  ): boolean {
    let committed = false;
    this.#transaction(() => {
      if ((this.generation(kind) ?? -1) >= gen) return;
      this.setMeta(`gen:${kind}`, String(gen));
      this.setMeta(`fetched:${kind}`, String(fetchedAt));
      this.setMeta(`count:${kind}`, JSON.stringify(counts));
      committed = true;
    });
    return committed;
  }

  /** A generation number no other refresh (in this process or another) has or will get. */
  nextGeneration(kind: Kind): number {
    let gen = 0;
    this.#transaction(() => {
      const row = this.db
        .prepare(
          "SELECT MAX(gen) AS gen FROM (SELECT gen FROM streams WHERE kind = ? UNION ALL SELECT gen FROM categories WHERE kind = ?)",
        )
        .get(kind, kind) as { gen: number | null };
      gen = Math.max(
        (row.gen ?? 0) + 1,
        (this.generation(kind) ?? 0) + 1,
        Number(this.meta(`next:${kind}`) ?? 0),
      );
      this.setMeta(`next:${kind}`, String(gen + 1));
    });
    return gen;
  }

  /** Drops the generations older than `gen` (a newer one being written is left alone). */
  dropOlderThan(kind: Kind, gen: number): void {
    this.db.prepare("DELETE FROM streams WHERE kind = ? AND gen < ?").run(kind, gen);
    this.db.prepare("DELETE FROM categories WHERE kind = ? AND gen < ?").run(kind, gen);
  }

  dropGeneration(kind: Kind, gen: number): void {
    this.db.prepare("DELETE FROM streams WHERE kind = ? AND gen = ?").run(kind, gen);
    this.db.prepare("DELETE FROM categories WHERE kind = ? AND gen = ?").run(kind, gen);
  }

  detail(kind: string, id: string): { fetchedAt: number; json: string } | undefined {
    const row = this.#getDetail.get(kind, id) as { fetched_at: number; json: string } | undefined;
    return row ? { fetchedAt: row.fetched_at, json: row.json } : undefined;
  }

  setDetail(kind: string, id: string, fetchedAt: number, json: string): void {
    this.#setDetail.run(kind, id, fetchedAt, json);
  }

  episode(id: string): { seriesId: string; ext: string } | undefined {
    const row = this.#episode.get(id) as { series_id: string; ext: string } | undefined;
    return row ? { seriesId: row.series_id, ext: row.ext } : undefined;
  }

  setEpisodes(seriesId: string, episodes: ReadonlyArray<{ id: string; ext: string }>): void {
    this.#transaction(() => {
      for (const episode of episodes) this.#setEpisode.run(episode.id, seriesId, episode.ext);
    });
  }

  #transaction(work: () => void): void {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      work();
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }
}
