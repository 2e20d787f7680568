import type { DatabaseSync } from "../../../core/db.ts";
import { ExitCode, isUserError } from "../../../core/errors.ts";
import type { JellyfinClient } from "./client.ts";
import { TICKS_PER_SECOND } from "./item.ts";

export interface PendingState {
  itemId: string;
  positionTicks: number;
  played: boolean;
  /** ISO time the playback stopped. */
  at: string;
}

/**
 * Where playback stopped while the server could not be told (the network dropped, the
 * server restarted). Kept on disk and sent on the next connection, unless the item was
 * played elsewhere since: without it, an API key's session, which the server files under
 * no user, would lose its resume point for good.
 */
export class PendingPlayStates {
  readonly db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  save(state: PendingState): void {
    this.db
      .prepare(
        `INSERT INTO jf_pending (item_id, position_ticks, played, at) VALUES (?, ?, ?, ?)
         ON CONFLICT(item_id) DO UPDATE SET position_ticks = excluded.position_ticks, played = excluded.played, at = excluded.at`,
      )
      .run(state.itemId, Math.round(state.positionTicks), state.played ? 1 : 0, state.at);
  }

  list(): PendingState[] {
    const rows = this.db
      .prepare("SELECT item_id, position_ticks, played, at FROM jf_pending ORDER BY at")
      .all() as Array<{ item_id: string; position_ticks: number; played: number; at: string }>;
    return rows.map((row) => ({
      itemId: row.item_id,
      positionTicks: row.position_ticks,
      played: row.played === 1,
      at: row.at,
    }));
  }

  #forget(itemId: string): void {
    this.db.prepare("DELETE FROM jf_pending WHERE item_id = ?").run(itemId);
  }

  /** Sends what is pending; returns how many reached the server. What still fails stays. */
  async flush(client: JellyfinClient): Promise<number> {
    let sent = 0;
    for (const state of this.list()) {
      try {
        const item = await client.item(state.itemId);
        const lastPlayed = item.UserData?.LastPlayedDate;
        if (!lastPlayed || Date.parse(lastPlayed) < Date.parse(state.at)) {
          await client.saveUserData(state.itemId, {
            positionSeconds: state.positionTicks / TICKS_PER_SECOND,
            played: state.played,
          });
          sent++;
        }
        this.#forget(state.itemId);
      } catch (error) {
        // An item gone from the server has nothing left to update; anything else is retried.
        if (isUserError(error) && error.code === ExitCode.dataErr) this.#forget(state.itemId);
      }
    }
    return sent;
  }
}
