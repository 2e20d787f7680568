import { existsSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { DELIM, formatTags, matchesTags, splitTags, type TagQuery } from "./tags.ts";

/** buku.py initdb, verbatim, so a database deskhub creates is one buku made. */
export const BUKU_SCHEMA =
  "CREATE TABLE if not exists bookmarks (id integer PRIMARY KEY, URL text NOT NULL UNIQUE, " +
  "metadata text default '', tags text default ',', desc text default '', flags integer default 0)";

export interface Bookmark {
  id: number;
  url: string;
  title: string;
  tags: string[];
  description: string;
  /** Bit 0: the title is immutable (buku's `--immutable 1`). */
  flags: number;
}

const Row = z.object({
  id: z.number(),
  URL: z.string(),
  metadata: z.string().nullable(),
  tags: z.string().nullable(),
  desc: z.string().nullable(),
  flags: z.number().nullable(),
});

function toBookmark(row: unknown): Bookmark {
  const r = Row.parse(row);
  return {
    id: r.id,
    url: r.URL,
    title: r.metadata ?? "",
    tags: splitTags(r.tags),
    description: r.desc ?? "",
    flags: r.flags ?? 0,
  };
}

export interface SearchOptions {
  /** Every keyword must match (buku `--sall`); otherwise any (`--sany`), best first. */
  all?: boolean;
  /** Substrings match too (`--deep`); otherwise whole words, as buku does. */
  deep?: boolean;
  tags?: TagQuery;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const WORD = /[\p{L}\p{N}]/u;

/** buku's keyword rule: a word boundary on each end that is alphanumeric; trailing `/` ignored. */
function keywordPattern(keyword: string, deep: boolean): RegExp {
  if (deep) return new RegExp(escapeRegExp(keyword), "iu");
  const token = keyword.replace(/\/+$/, "") || keyword;
  const before = WORD.test(token[0] ?? "") ? "(?<![\\p{L}\\p{N}_])" : "";
  const after = WORD.test(token.at(-1) ?? "") ? "(?![\\p{L}\\p{N}_])" : "";
  return new RegExp(`${before}${escapeRegExp(token)}${after}`, "iu");
}

/** A buku database, read and written directly (node:sqlite), in buku's rollback-journal mode. */
export class BukuDb {
  readonly path: string;
  #db: DatabaseSync;

  constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
  }

  static async open(path: string, options: { create: boolean }): Promise<BukuDb> {
    if (!options.create && !existsSync(path)) {
      throw new UserError(`no bookmark database at ${path}`, {
        code: ExitCode.config,
        hint: "add a bookmark (deskhub bookmarks add URL) or switch to one (deskhub bookmarks use NAME)",
      });
    }
    const { DatabaseSync } = await import("node:sqlite");
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path);
      db.exec("PRAGMA busy_timeout = 5000");
      if (options.create) db.exec(BUKU_SCHEMA);
      const columns = (db.prepare("PRAGMA table_info(bookmarks)").all() as Array<{ name: string }>).map(
        (c) => c.name,
      );
      if (!["id", "URL", "metadata", "tags", "desc", "flags"].every((column) => columns.includes(column))) {
        db.close();
        throw new UserError(`${path} is not a buku database (no bookmarks table with buku's columns)`, {
          code: ExitCode.dataErr,
        });
      }
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(`cannot open the bookmark database ${path}: ${(error as Error).message}`, {
        code: ExitCode.dataErr,
        hint: "check that it is a SQLite file buku can open: buku --nostdin -p 1",
      });
    }
    return new BukuDb(path, db);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  count(): number {
    return Number((this.#db.prepare("SELECT COUNT(*) AS n FROM bookmarks").get() as { n: number }).n);
  }

  all(): Bookmark[] {
    return this.#db
      .prepare("SELECT id, URL, metadata, tags, desc, flags FROM bookmarks ORDER BY id")
      .all()
      .map(toBookmark);
  }

  byUrl(url: string): Bookmark | undefined {
    const row = this.#db
      .prepare("SELECT id, URL, metadata, tags, desc, flags FROM bookmarks WHERE URL = ?")
      .get(url);
    return row ? toBookmark(row) : undefined;
  }

  /** buku's add_rec: a URL is bookmarked once; tags are normalised the way buku stores them. */
  add(entry: {
    url: string;
    title?: string;
    tags?: readonly string[];
    description?: string;
    immutable?: boolean;
  }): Bookmark {
    const existing = this.byUrl(entry.url);
    if (existing) {
      throw new UserError(`${entry.url} is already bookmarked (index ${existing.id})`, {
        code: ExitCode.dataErr,
        hint: `change it with buku: buku --nostdin -u ${existing.id} --tag + NEWTAG`,
      });
    }
    const result = this.#db
      .prepare("INSERT INTO bookmarks(URL, metadata, tags, desc, flags) VALUES (?, ?, ?, ?, ?)")
      .run(
        entry.url,
        entry.title ?? "",
        formatTags(entry.tags ?? []),
        entry.description ?? "",
        entry.immutable ? 1 : 0,
      );
    return (
      this.byUrl(entry.url) ?? {
        id: Number(result.lastInsertRowid),
        url: entry.url,
        title: "",
        tags: [],
        description: "",
        flags: 0,
      }
    );
  }

  /**
   * buku's keyword search over URL, title, tags and description. Any-keyword results come
   * best first (most keywords matched), then by index; all-keyword results by index.
   */
  search(keywords: readonly string[], options: SearchOptions = {}): Bookmark[] {
    const patterns = keywords
      .filter(Boolean)
      .map((keyword) => keywordPattern(keyword, options.deep ?? false));
    const scored: Array<{ bookmark: Bookmark; score: number }> = [];
    for (const bookmark of this.all()) {
      if (options.tags && !matchesTags(bookmark.tags, options.tags)) continue;
      if (patterns.length === 0) {
        scored.push({ bookmark, score: 0 });
        continue;
      }
      const fields = [
        `${DELIM}${bookmark.tags.join(DELIM)}${DELIM}`,
        bookmark.url,
        bookmark.title,
        bookmark.description,
      ];
      const score = patterns.filter((pattern) => fields.some((field) => pattern.test(field))).length;
      if (options.all ? score === patterns.length : score > 0) scored.push({ bookmark, score });
    }
    if (!options.all) scored.sort((a, b) => b.score - a.score || a.bookmark.id - b.bookmark.id);
    return scored.map((entry) => entry.bookmark);
  }
}
