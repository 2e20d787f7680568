import type { Catalogue } from "../catalogue/catalogue.ts";
import { withBase } from "../catalogue/patch.ts";
import type { Kind, StreamRow } from "../catalogue/rows.ts";
import type { View } from "../settings/view.ts";
import { visibleStreams } from "./lists.ts";

const CHUNK = 64 * 1024;

export interface M3uRequest {
  catalogue: Catalogue;
  view: View;
  base: string;
  username: string;
  password: string;
  /** `m3u_plus` carries tvg-id, tvg-name, tvg-logo and group-title; `m3u` only names. */
  type: "m3u" | "m3u_plus";
  /** Live streams as MPEG-TS or HLS. */
  output: "ts" | "m3u8";
}

export interface M3uEntry {
  kind: "live" | "movie";
  name: string;
  tvgId: string;
  logo: string;
  group: string;
  url: string;
}

/**
 * The playlist's entries: live channels, then movies, each with its group (renamed as
 * the profile says; in the profile's category order when it has one). Built from the
 * cached catalogue through the viewer's profiles, so it lists exactly what the API shows.
 */
export function* m3uEntries(request: M3uRequest): Generator<M3uEntry> {
  const { catalogue, view, base } = request;
  const creds = `${encodeURIComponent(request.username)}/${encodeURIComponent(request.password)}`;
  const sections: Array<{ kind: Kind; entry: "live" | "movie"; url: (row: StreamRow) => string }> = [
    { kind: "live", entry: "live", url: (row) => `${base}/live/${creds}/${row.id}.${request.output}` },
    { kind: "vod", entry: "movie", url: (row) => `${base}/movie/${creds}/${row.id}.${row.ext || "mp4"}` },
  ];
  for (const section of sections) {
    const groups = new Map(
      catalogue
        .categories(section.kind)
        .map((c) => [c.id, { name: view.categoryName(section.kind, c.id, c.name), raw: c.name }]),
    );
    const entry = (row: StreamRow): M3uEntry => {
      const group = row.categories.map((id) => groups.get(id)).find((g) => g !== undefined);
      return {
        kind: section.entry,
        name: row.name,
        tvgId: row.epgId,
        logo: withBase(row.icon, base),
        group: group?.name ?? "",
        url: section.url(row),
      };
    };
    const ranker = view.ranker(section.kind);
    if (!ranker) {
      for (const row of visibleStreams(catalogue, view, section.kind)) yield entry(row);
      continue;
    }
    // A configured category order needs the section sorted; only then is it held in memory.
    const ranked: Array<{ rank: number; entry: M3uEntry }> = [];
    for (const row of visibleStreams(catalogue, view, section.kind)) {
      const id = row.categories[0] ?? "";
      ranked.push({ rank: ranker(id, groups.get(id)?.raw ?? ""), entry: entry(row) });
    }
    ranked.sort((a, b) => a.rank - b.rank);
    for (const item of ranked) yield item.entry;
  }
}

function attribute(text: string): string {
  return text.replace(/[\r\n]+/g, " ").replace(/"/g, "'");
}

function title(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}

/** get.php's playlist text, CRLF as panels write it, in pieces of about 64 kB. */
export function* m3uPlaylist(request: M3uRequest): Generator<string> {
  let buffer = "#EXTM3U\r\n";
  for (const e of m3uEntries(request)) {
    buffer +=
      request.type === "m3u_plus"
        ? `#EXTINF:-1 tvg-id="${attribute(e.tvgId)}" tvg-name="${attribute(e.name)}" tvg-logo="${attribute(e.logo)}" group-title="${attribute(e.group)}",${title(e.name)}\r\n${e.url}\r\n`
        : `#EXTINF:-1,${title(e.name)}\r\n${e.url}\r\n`;
    if (buffer.length >= CHUNK) {
      yield buffer;
      buffer = "";
    }
  }
  yield buffer;
}
