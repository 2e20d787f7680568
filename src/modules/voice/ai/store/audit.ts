import type { DatabaseSync } from "../../../../core/db.ts";
import { scrub, scrubDeep } from "../../../../core/redact.ts";
import type { Store } from "../../../../core/store.ts";

/**
 * allowed: the policy let it run; approved: the person said yes; denied: the person said
 * no; timeout: nobody answered; policy_denied: the policy says deny; refused: a safety
 * rule (allow-list, root, file roots); invalid: bad arguments; claude: Claude Code ran
 * it under its own permissions; claude_denied: Claude Code's permissions stopped it.
 */
export const AUDIT_DECISIONS = [
  "allowed",
  "approved",
  "denied",
  "timeout",
  "policy_denied",
  "refused",
  "invalid",
  "claude",
  "claude_denied",
] as const;
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

export interface AuditEntry {
  at: number;
  /** Which backend asked: anthropic, realtime, claude. */
  backend: string;
  tool: string;
  args: unknown;
  decision: AuditDecision;
  reason?: string;
  ok: boolean;
  result?: string;
  ms?: number;
}

export const AUDIT_ENTITY = "voice.ai_audit";
const STORED_RESULT = 8000;
const SHOWN_RESULT = 300;
const DAY = 86_400_000;

interface Row {
  at: number;
  backend: string;
  tool: string;
  args: string;
  decision: AuditDecision;
  reason: string | null;
  ok: number;
  result: string | null;
  ms: number | null;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Every tool call, its arguments, the decision and the result: kept in SQLite for
 * `retentionDays`, and the most recent shown as the `voice.ai_audit` entity (dashboard,
 * Home Assistant). Secrets are scrubbed before anything is written.
 */
export class AuditLog {
  #db: DatabaseSync;
  #store: Store | undefined;
  #recent: number;
  #retentionMs: number;
  #now: () => number;
  #lastPrune = 0;

  constructor(
    db: DatabaseSync,
    options: { store?: Store; recent: number; retentionDays: number; now?: () => number },
  ) {
    this.#db = db;
    this.#store = options.store;
    this.#recent = options.recent;
    this.#retentionMs = options.retentionDays * DAY;
    this.#now = options.now ?? Date.now;
  }

  define(): void {
    this.#store?.define({
      id: AUDIT_ENTITY,
      kind: "sensor",
      name: "Assistant tool calls",
      icon: "mdi:shield-search",
    });
    this.prune();
    this.#publish();
  }

  record(entry: Omit<AuditEntry, "at"> & { at?: number }): AuditEntry {
    const full: AuditEntry = scrubDeep({ ...entry, at: entry.at ?? this.#now() });
    this.#db
      .prepare(
        "INSERT INTO audit (at, backend, tool, args, decision, reason, ok, result, ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        full.at,
        full.backend,
        full.tool,
        JSON.stringify(full.args ?? null),
        full.decision,
        full.reason ?? null,
        full.ok ? 1 : 0,
        full.result === undefined ? null : clip(full.result, STORED_RESULT),
        full.ms ?? null,
      );
    if (full.at - this.#lastPrune > 3_600_000) this.prune();
    this.#publish();
    return full;
  }

  /** Newest first. */
  recent(limit = this.#recent): AuditEntry[] {
    const rows = this.#db
      .prepare("SELECT * FROM audit ORDER BY at DESC, id DESC LIMIT ?")
      .all(limit) as unknown as Row[];
    return rows.map((row) => ({
      at: row.at,
      backend: row.backend,
      tool: row.tool,
      args: JSON.parse(row.args) as unknown,
      decision: row.decision,
      ...(row.reason === null ? {} : { reason: row.reason }),
      ok: row.ok === 1,
      ...(row.result === null ? {} : { result: row.result }),
      ...(row.ms === null ? {} : { ms: row.ms }),
    }));
  }

  prune(): number {
    this.#lastPrune = this.#now();
    const cutoff = this.#now() - this.#retentionMs;
    return Number(this.#db.prepare("DELETE FROM audit WHERE at < ?").run(cutoff).changes);
  }

  #publish(): void {
    if (!this.#store) return;
    const calls = this.recent();
    const last = calls[0];
    const state = last
      ? clip(`${last.tool}: ${last.decision}${last.reason ? ` (${last.reason})` : ""}`, 255)
      : null;
    this.#store.set(AUDIT_ENTITY, state === null ? null : scrub(state), {
      calls: calls.map((c) => ({
        at: new Date(c.at).toISOString(),
        backend: c.backend,
        tool: c.tool,
        args: c.args,
        decision: c.decision,
        ...(c.reason ? { reason: c.reason } : {}),
        ok: c.ok,
        ...(c.result ? { result: clip(c.result, SHOWN_RESULT) } : {}),
        ...(c.ms !== undefined ? { ms: c.ms } : {}),
      })),
    });
  }
}
