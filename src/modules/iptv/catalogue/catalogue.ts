import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Logger } from "../../../core/log.ts";
import { type ApiOptions, fetchApiJson, fetchApiList } from "../upstream/api.ts";
import { UpstreamError } from "../upstream/errors.ts";
import type { UpstreamLine } from "../upstream/line.ts";
import type { CatalogueDb } from "./db.ts";
import type { Patcher } from "./patch.ts";
import {
  CategoryItem,
  type CategoryRow,
  categoriesOf,
  isAdultFlag,
  KINDS,
  type Kind,
  type ListRow,
  StreamItem,
  type StreamRow,
} from "./rows.ts";

const ACTIONS: Record<Kind, { categories: string; streams: string }> = {
  live: { categories: "get_live_categories", streams: "get_live_streams" },
  vod: { categories: "get_vod_categories", streams: "get_vod_streams" },
  series: { categories: "get_series_categories", streams: "get_series" },
};

const BATCH = 2000;
/** Readers that started on the old generation get this long to finish before it goes. */
const OLD_GENERATION_GRACE_MS = 60_000;

export interface KindStatus {
  kind: Kind;
  fetchedAt: number | undefined;
  categories: number;
  streams: number;
}

export interface RefreshResult {
  ok: boolean;
  kinds: Array<{
    kind: Kind;
    ok: boolean;
    categories?: number;
    streams?: number;
    skipped?: number;
    error?: string;
  }>;
  ms: number;
}

export interface CatalogueOptions {
  db: CatalogueDb;
  line: () => UpstreamLine;
  patcher: () => Patcher;
  api: () => ApiOptions;
  ttlMs: () => number;
  log: Logger;
}

/**
 * The provider's channel, movie and series lists, cached in SQLite. Clients are always
 * answered from the cache; a refresh runs in the background when the cache is older
 * than its TTL, and a provider that is down leaves the last good lists in place.
 */
export class Catalogue {
  readonly db: CatalogueDb;
  readonly #options: CatalogueOptions;
  #refreshing: Promise<RefreshResult> | undefined;
  #categories = new Map<Kind, { gen: number; rows: CategoryRow[] }>();
  #timers = new Set<NodeJS.Timeout>();
  lastError: string | undefined;

  constructor(options: CatalogueOptions) {
    this.#options = options;
    this.db = options.db;
    for (const kind of KINDS) {
      const current = this.db.generation(kind);
      if (current !== undefined) this.db.dropOlderThan(kind, current);
    }
  }

  generation(kind: Kind): number | undefined {
    return this.db.generation(kind);
  }

  status(): KindStatus[] {
    return KINDS.map((kind) => {
      const fetched = this.db.meta(`fetched:${kind}`);
      const counts = JSON.parse(this.db.meta(`count:${kind}`) ?? '{"categories":0,"streams":0}') as {
        categories: number;
        streams: number;
      };
      return { kind, fetchedAt: fetched ? Number(fetched) : undefined, ...counts };
    });
  }

  /** Seconds since the oldest list was fetched; undefined before the first refresh. */
  ageSeconds(now = Date.now()): number | undefined {
    const times = this.status().map((s) => s.fetchedAt);
    if (times.some((t) => t === undefined)) return undefined;
    return Math.round((now - Math.min(...(times as number[]))) / 1000);
  }

  isStale(now = Date.now()): boolean {
    const age = this.ageSeconds(now);
    return age === undefined || age * 1000 >= this.#options.ttlMs();
  }

  categories(kind: Kind): CategoryRow[] {
    const gen = this.db.generation(kind);
    if (gen === undefined) return [];
    const cached = this.#categories.get(kind);
    if (cached?.gen === gen) return cached.rows;
    const rows = this.db.categories(kind, gen);
    this.#categories.set(kind, { gen, rows });
    return rows;
  }

  streams(kind: Kind): Iterable<StreamRow> {
    const gen = this.db.generation(kind);
    return gen === undefined ? [] : this.db.streams(kind, gen);
  }

  /** The streams for a JSON list answer, their JSON as bytes. */
  list(kind: Kind): Iterable<ListRow> {
    const gen = this.db.generation(kind);
    return gen === undefined ? [] : this.db.list(kind, gen);
  }

  stream(kind: Kind, id: string): StreamRow | undefined {
    const gen = this.db.generation(kind);
    return gen === undefined ? undefined : this.db.stream(kind, gen, id);
  }

  /** Waits for lists when there are none yet; otherwise refreshes stale ones in the background. */
  async ready(options: { refreshStale?: boolean } = {}): Promise<void> {
    if (KINDS.every((kind) => this.db.generation(kind) !== undefined)) {
      if (options.refreshStale !== false && this.isStale()) this.refresh().catch(() => {});
      return;
    }
    const result = await this.refresh();
    if (KINDS.every((kind) => this.db.generation(kind) === undefined)) {
      throw new UpstreamError(
        "unreachable",
        `the channel list is not loaded yet: ${result.kinds.find((k) => k.error)?.error ?? "the provider is unavailable"}`,
      );
    }
  }

  /** One refresh at a time; callers that arrive during one share its result. */
  refresh(): Promise<RefreshResult> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<RefreshResult> {
    const started = Date.now();
    const kinds: RefreshResult["kinds"] = [];
    for (const kind of KINDS) {
      try {
        kinds.push({ kind, ok: true, ...(await this.#refreshKind(kind)) });
      } catch (error) {
        const message =
          error instanceof UpstreamError ? error.message : `refresh failed: ${(error as Error).message}`;
        kinds.push({ kind, ok: false, error: message });
      }
    }
    const ok = kinds.every((k) => k.ok);
    this.lastError = ok ? undefined : kinds.find((k) => k.error)?.error;
    const ms = Date.now() - started;
    this.#options.log.info(
      { ms, kinds: kinds.map((k) => ({ kind: k.kind, ok: k.ok, streams: k.streams })) },
      "catalogue refreshed",
    );
    return { ok, kinds, ms };
  }

  async #refreshKind(kind: Kind): Promise<{ categories: number; streams: number; skipped: number }> {
    const line = this.#options.line();
    const patcher = this.#options.patcher();
    const api = this.#options.api();
    const gen = this.db.nextGeneration(kind);
    const fetchedAt = Date.now();
    try {
      const rawCategories = await fetchApiJson(line, { action: ACTIONS[kind].categories }, api);
      const categories: CategoryRow[] = [];
      for (const item of Array.isArray(rawCategories) ? rawCategories : Object.values(rawCategories ?? {})) {
        const parsed = CategoryItem.safeParse(item);
        if (!parsed.success) continue;
        categories.push({
          id: parsed.data.category_id,
          name: parsed.data.category_name,
          json: JSON.stringify(patcher.patch(item)),
        });
      }
      this.db.insertCategories(kind, gen, categories);

      let batch: StreamRow[] = [];
      let count = 0;
      let skipped = 0;
      for await (const item of fetchApiList(line, ACTIONS[kind].streams, api)) {
        const row = toRow(kind, item, patcher);
        if (!row) {
          skipped++;
          continue;
        }
        batch.push(row);
        if (batch.length >= BATCH) {
          this.db.insertStreams(kind, gen, count, batch);
          count += batch.length;
          batch = [];
          // Clients keep being served while a long list is written.
          await yieldToLoop();
        }
      }
      this.db.insertStreams(kind, gen, count, batch);
      count += batch.length;
      if (!this.db.commit(kind, gen, fetchedAt, { categories: categories.length, streams: count })) {
        // Another refresh finished a newer list meanwhile; it stands.
        this.db.dropGeneration(kind, gen);
      } else {
        this.#categories.delete(kind);
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.db.dropOlderThan(kind, gen);
        }, OLD_GENERATION_GRACE_MS);
        timer.unref();
        this.#timers.add(timer);
      }
      if (skipped) this.#options.log.warn({ kind, skipped }, "skipped catalogue entries without an id");
      return { categories: categories.length, streams: count, skipped };
    } catch (error) {
      this.db.dropGeneration(kind, gen);
      throw error;
    }
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

function toRow(kind: Kind, item: unknown, patcher: Patcher): StreamRow | undefined {
  const parsed = StreamItem.safeParse(item);
  if (!parsed.success) return undefined;
  const data = parsed.data;
  const id = kind === "series" ? (data.series_id ?? data.stream_id) : data.stream_id;
  if (id === undefined) return undefined;
  const record = item as Record<string, unknown>;
  patcher.patch(record);
  const icon = record.stream_icon ?? record.cover;
  return {
    id,
    categories: categoriesOf(data),
    name: data.name || data.title || "",
    adult: isAdultFlag(data.is_adult),
    epgId: data.epg_channel_id ?? "",
    ext: data.container_extension ?? "",
    icon: typeof icon === "string" ? icon : "",
    json: JSON.stringify(record),
  };
}
