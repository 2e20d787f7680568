export type UriKind = "playlist" | "media";

/** Tags whose URI="..." names another playlist; every other URI is media (segment, key, map). */
const PLAYLIST_TAGS = /^#EXT-X-(MEDIA|I-FRAME-STREAM-INF|RENDITION-REPORT)[:\s]/i;
const URI_ATTRIBUTE = /\bURI="([^"]*)"/gi;

function kindOf(url: URL, fallback: UriKind): UriKind {
  return /\.m3u8?$/i.test(url.pathname) ? "playlist" : fallback;
}

/**
 * Rewrites every URI in an HLS playlist, master or media: the URI lines and the URI="..."
 * attributes (keys, init maps, renditions, i-frame playlists, preload hints, parts),
 * relative or absolute, on any host, resolved against where the playlist really came
 * from (after redirects). `link` turns each into the proxy's own opaque address.
 * Anything that is not http(s) (data: keys, skd:) is left as it is.
 */
export function rewritePlaylist(text: string, base: URL, link: (url: URL, kind: UriKind) => string): string {
  const resolve = (uri: string, kind: UriKind): string => {
    let url: URL;
    try {
      url = new URL(uri, base);
    } catch {
      return uri;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return uri;
    return link(url, kindOf(url, kind));
  };
  let nextIsVariant = false;
  const out = text.split(/\r?\n/).map((line) => {
    const trimmed = line.trim();
    if (!trimmed) return line;
    if (trimmed.startsWith("#")) {
      if (/^#EXT-X-STREAM-INF[:\s]/i.test(trimmed)) nextIsVariant = true;
      const kind: UriKind = PLAYLIST_TAGS.test(trimmed) ? "playlist" : "media";
      return trimmed.replace(URI_ATTRIBUTE, (_match, uri: string) => `URI="${resolve(uri, kind)}"`);
    }
    const kind: UriKind = nextIsVariant ? "playlist" : "media";
    nextIsVariant = false;
    return resolve(trimmed, kind);
  });
  return out.join("\n");
}

export function isPlaylist(body: Buffer | string, contentType: string | undefined): boolean {
  if (contentType && /mpegurl/i.test(contentType)) return true;
  const head = (typeof body === "string" ? body.slice(0, 16) : body.subarray(0, 16).toString("utf8")).replace(
    /^\uFEFF/,
    "",
  );
  return head.trimStart().startsWith("#EXTM3U");
}
