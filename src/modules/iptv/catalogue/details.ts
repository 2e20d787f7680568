import { type ApiOptions, fetchApiJson } from "../upstream/api.ts";
import type { UpstreamLine } from "../upstream/line.ts";
import type { CatalogueDb } from "./db.ts";
import type { Patcher } from "./patch.ts";

export type DetailKind = "get_vod_info" | "get_series_info" | "get_short_epg" | "get_simple_data_table";

const ID_PARAM: Record<DetailKind, string> = {
  get_vod_info: "vod_id",
  get_series_info: "series_id",
  get_short_epg: "stream_id",
  get_simple_data_table: "stream_id",
};

/** Guide data goes stale in minutes, movie and series details in days. */
const EPG_TTL_MS = 10 * 60 * 1000;

export interface DetailsOptions {
  db: CatalogueDb;
  line: () => UpstreamLine;
  patcher: () => Patcher;
  api: () => ApiOptions;
  infoTtlMs: () => number;
}

/**
 * Movie and series details and per-channel guide data, fetched when a client asks,
 * kept in SQLite, and served stale when the provider is down.
 */
export class Details {
  readonly #options: DetailsOptions;
  readonly #inflight = new Map<string, Promise<string>>();

  constructor(options: DetailsOptions) {
    this.#options = options;
  }

  /** The patched JSON text (with the base mark) for one action and id. */
  get(action: DetailKind, id: string, extra: Record<string, string> = {}): Promise<string> {
    const key = `${action}:${extra.limit ?? ""}`;
    const flight = `${key}/${id}`;
    let pending = this.#inflight.get(flight);
    if (!pending) {
      pending = this.#get(action, key, id, extra).finally(() => this.#inflight.delete(flight));
      this.#inflight.set(flight, pending);
    }
    return pending;
  }

  async #get(action: DetailKind, key: string, id: string, extra: Record<string, string>): Promise<string> {
    const { db } = this.#options;
    const cached = db.detail(key, id);
    const ttl =
      action === "get_vod_info" || action === "get_series_info" ? this.#options.infoTtlMs() : EPG_TTL_MS;
    if (cached && Date.now() - cached.fetchedAt < ttl) return cached.json;
    try {
      const value = await fetchApiJson(
        this.#options.line(),
        { action, [ID_PARAM[action]]: id, ...extra },
        this.#options.api(),
      );
      if (action === "get_series_info") db.setEpisodes(id, episodesOf(value));
      const json = JSON.stringify(this.#options.patcher().patch(value) ?? []);
      db.setDetail(key, id, Date.now(), json);
      return json;
    } catch (error) {
      if (cached) return cached.json;
      throw error;
    }
  }
}

/** Episode ids and containers from a series answer; panels send seasons as an object or a list. */
export function episodesOf(value: unknown): Array<{ id: string; ext: string }> {
  const episodes = (value as { episodes?: unknown } | null)?.episodes;
  if (!episodes || typeof episodes !== "object") return [];
  const out: Array<{ id: string; ext: string }> = [];
  for (const season of Object.values(episodes)) {
    if (!Array.isArray(season)) continue;
    for (const episode of season) {
      const record = episode as { id?: unknown; container_extension?: unknown } | null;
      const id = record?.id;
      if (typeof id !== "string" && typeof id !== "number") continue;
      const ext = typeof record?.container_extension === "string" ? record.container_extension : "";
      out.push({ id: String(id), ext });
    }
  }
  return out;
}
