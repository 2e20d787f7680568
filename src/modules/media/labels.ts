import type { CachedItem } from "./jellyfin/cache.ts";
import type { JfItem } from "./jellyfin/item.ts";
import type { YtEntry } from "./youtube/ytdlp.ts";

const TICKS = 10_000_000;

/** 4521 -> `1:15:21`, 75 -> `1:15`. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** 6720 -> `1h 52m`, 1260 -> `21m`. */
export function runtime(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  return h ? `${h}h ${String(minutes % 60).padStart(2, "0")}m` : `${minutes}m`;
}

/** Epoch ms -> `just now`, `5 min ago`, `3 h ago`, `2 days ago`. */
export function age(ms: number | undefined, now = Date.now()): string {
  if (ms === undefined) return "never";
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

function episodeCode(season: number | null | undefined, episode: number | null | undefined): string {
  if (season == null && episode == null) return "";
  return `S${String(season ?? 0).padStart(2, "0")}E${String(episode ?? 0).padStart(2, "0")}`;
}

/** The title mpv shows and history keeps. */
export function jellyfinTitle(
  item: Pick<JfItem, "Name" | "Type" | "SeriesName" | "ParentIndexNumber" | "IndexNumber" | "ProductionYear">,
): string {
  if (item.Type === "Episode") {
    return `${item.SeriesName ?? ""} ${episodeCode(item.ParentIndexNumber, item.IndexNumber)} · ${item.Name ?? ""}`.trim();
  }
  return item.ProductionYear ? `${item.Name ?? ""} (${item.ProductionYear})` : (item.Name ?? "");
}

/** A cached item as one menu line: what it is, then where you are in it. */
export function itemLabel(item: CachedItem): string {
  let text: string;
  if (item.type === "Episode") {
    text =
      `${item.seriesName ?? ""} ${episodeCode(item.seasonNumber, item.episodeNumber)} · ${item.name}`.trim();
  } else if (item.type === "Season") {
    text = item.name;
  } else {
    text = item.year ? `${item.name} (${item.year})` : item.name;
  }
  const state: string[] = [];
  if (item.type === "Series" || item.type === "Season") {
    if (item.unplayed !== undefined)
      state.push(item.unplayed === 0 ? "✓ all watched" : `${item.unplayed} unwatched`);
  } else if (item.played) {
    state.push("✓");
  } else if (item.positionTicks > 0) {
    state.push(`▶ ${clock(item.positionTicks / TICKS)}`);
  }
  return state.length ? `${text}  [${state.join(", ")}]` : text;
}

export function itemMeta(item: CachedItem): string {
  const parts: string[] = [item.type.toLowerCase()];
  if (item.runtimeTicks) parts.push(runtime(item.runtimeTicks / TICKS));
  if (item.year && item.type === "Episode") parts.push(String(item.year));
  return parts.join(" · ");
}

export function entryTitle(entry: YtEntry): string {
  return entry.title ?? entry.id;
}

export function entryLabel(entry: YtEntry, watched: boolean): string {
  const duration = entry.duration ? `  [${clock(entry.duration)}]` : "";
  return `${watched ? "✓ " : ""}${entryTitle(entry)}${duration}`;
}

export function entryMeta(entry: YtEntry): string {
  return [entry.channel ?? entry.uploader ?? "", entry.live_status === "is_live" ? "live" : ""]
    .filter(Boolean)
    .join(" · ");
}
