import type { DatabaseSync } from "../../core/db.ts";
import type { ModuleContext } from "../../core/module.ts";

export const DB_FILE = "calendar.db";

/** migrations[i] takes the database from version i to i + 1. */
export const MIGRATIONS = [
  `CREATE TABLE feeds (
     id TEXT PRIMARY KEY,
     url_hash TEXT NOT NULL,
     body TEXT,
     etag TEXT,
     last_modified TEXT,
     fetched_at INTEGER,
     checked_at INTEGER,
     attempted_at INTEGER,
     error TEXT,
     error_at INTEGER
   );
   CREATE TABLE reminders (
     key TEXT PRIMARY KEY,
     calendar TEXT NOT NULL,
     uid TEXT NOT NULL,
     occurrence TEXT NOT NULL,
     rule TEXT NOT NULL,
     due_at INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('sent', 'skipped', 'failed')),
     handled_at INTEGER NOT NULL,
     late_ms INTEGER NOT NULL DEFAULT 0,
     attempts INTEGER NOT NULL DEFAULT 0,
     error TEXT,
     summary TEXT
   );
   CREATE INDEX reminders_due ON reminders (due_at);`,
] as const;

export function openCalendarDb(ctx: Pick<ModuleContext, "openDb">): Promise<DatabaseSync> {
  return ctx.openDb(DB_FILE, MIGRATIONS);
}
