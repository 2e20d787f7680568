import type { DatabaseSync } from "../../../../core/db.ts";

export interface Memory {
  id: number;
  text: string;
  tags: string;
  source: string;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: number;
  text: string;
  tags: string;
  source: string;
  created_at: number;
  updated_at: number;
}

const toMemory = (row: Row): Memory => ({
  id: row.id,
  text: row.text,
  tags: row.tags,
  source: row.source,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Words too common to narrow a search. */
const STOP = new Set(
  "a an and are as at be by do does did for from has have how i in is it me my of on or our so that the their them there these this to was we were what when where which who why will with you your".split(
    " ",
  ),
);

/**
 * Free text as an FTS5 query: each word quoted (so no word is read as FTS syntax) and
 * prefix-matched, joined with OR so bm25 ranks memories that share more words higher.
 */
export function ftsQuery(text: string): string | undefined {
  const words = [...text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)].map((m) => m[0]);
  const useful = words.filter((w) => !STOP.has(w));
  const chosen = [...new Set(useful.length ? useful : words)];
  if (chosen.length === 0) return undefined;
  return chosen.map((w) => `"${w}"*`).join(" OR ");
}

/** The assistant's long-term memory: facts it was told to remember, searched by full text. */
export class MemoryStore {
  #db: DatabaseSync;
  #now: () => number;

  constructor(db: DatabaseSync, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  /** Stores a fact; the same text again only refreshes its time. Returns its id and whether it was new. */
  remember(
    text: string,
    options: { tags?: readonly string[]; source?: string; at?: number } = {},
  ): { id: number; created: boolean } {
    const clean = text.replace(/\s+/g, " ").trim();
    if (!clean) throw new Error("nothing to remember: the text is empty");
    const at = options.at ?? this.#now();
    const existing = this.#db.prepare("SELECT id FROM memories WHERE text = ?").get(clean) as
      | { id: number }
      | undefined;
    if (existing) {
      this.#db
        .prepare("UPDATE memories SET updated_at = max(updated_at, ?) WHERE id = ?")
        .run(at, existing.id);
      return { id: existing.id, created: false };
    }
    const result = this.#db
      .prepare("INSERT INTO memories (text, tags, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
      .run(clean, (options.tags ?? []).join(" "), options.source ?? "assistant", at, at);
    return { id: Number(result.lastInsertRowid), created: true };
  }

  /** Memories matching the words of `query`, best first (bm25), newer first among equals. */
  recall(query: string, limit = 5): Memory[] {
    const match = ftsQuery(query);
    if (!match) return this.recent(limit);
    const rows = this.#db
      .prepare(
        `SELECT m.* FROM memories_fts f JOIN memories m ON m.id = f.rowid
         WHERE memories_fts MATCH ? ORDER BY bm25(memories_fts), m.updated_at DESC LIMIT ?`,
      )
      .all(match, limit) as unknown as Row[];
    return rows.map(toMemory);
  }

  recent(limit = 20): Memory[] {
    const rows = this.#db
      .prepare("SELECT * FROM memories ORDER BY updated_at DESC, id DESC LIMIT ?")
      .all(limit) as unknown as Row[];
    return rows.map(toMemory);
  }

  forget(id: number): boolean {
    return Number(this.#db.prepare("DELETE FROM memories WHERE id = ?").run(id).changes) > 0;
  }

  count(): number {
    return (this.#db.prepare("SELECT count(*) AS n FROM memories").get() as { n: number }).n;
  }
}
