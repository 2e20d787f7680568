import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DatabaseSync } from "node:sqlite";

export type { DatabaseSync } from "node:sqlite";

/**
 * Opens (creating) a SQLite database in WAL mode and brings its schema up to date.
 * `migrations[i]` takes the database from user_version i to i + 1, inside a transaction,
 * so a crash mid-migration leaves the previous version intact.
 */
export async function openDatabase(path: string, migrations: readonly string[] = []): Promise<DatabaseSync> {
  // node:sqlite is loaded on demand: it prints an experimental warning on some Node lines
  // and costs start-up time for commands that never touch a database.
  const { DatabaseSync } = await import("node:sqlite");
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec(
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
  );
  migrate(db, migrations);
  return db;
}

export function migrate(db: DatabaseSync, migrations: readonly string[]): void {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  for (let version = row.user_version; version < migrations.length; version++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migrations[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }
}
