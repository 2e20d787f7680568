import type { DatabaseSync } from "../../core/db.ts";

export interface HistoryRow {
  id: number;
  source: string;
  itemId: string;
  title: string | null;
  startedAt: number;
  endedAt: number | null;
  position: number | null;
  duration: number | null;
  watched: boolean;
  endReason: string | null;
}

/** What was played, from any source, and how far. */
export class History {
  readonly db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  start(entry: { source: string; itemId: string; title: string; startedAt: number }): number {
    const result = this.db
      .prepare("INSERT INTO history (source, item_id, title, started_at) VALUES (?, ?, ?, ?)")
      .run(entry.source, entry.itemId, entry.title, entry.startedAt);
    return Number(result.lastInsertRowid);
  }

  finish(
    id: number,
    end: {
      title: string;
      endedAt: number;
      position: number;
      duration: number | undefined;
      watched: boolean;
      reason: string;
    },
  ): void {
    this.db
      .prepare(
        "UPDATE history SET title = ?, ended_at = ?, position = ?, duration = ?, watched = ?, end_reason = ? WHERE id = ?",
      )
      .run(end.title, end.endedAt, end.position, end.duration ?? null, end.watched ? 1 : 0, end.reason, id);
  }

  recent(limit = 50, source?: string): HistoryRow[] {
    const rows = this.db
      .prepare(
        `SELECT id, source, item_id AS itemId, title, started_at AS startedAt, ended_at AS endedAt, position, duration,
           watched, end_reason AS endReason FROM history ${source ? "WHERE source = ?" : ""} ORDER BY started_at DESC, id DESC LIMIT ?`,
      )
      .all(...(source ? [source, limit] : [limit])) as Array<
      Omit<HistoryRow, "watched"> & { watched: number }
    >;
    return rows.map((row) => ({ ...row, watched: row.watched === 1 }));
  }
}
