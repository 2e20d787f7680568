/**
 * What a file in mpv's playlist is, read from its URL alone. Whoever owns mpv reports
 * playback for every file in it, including files another deskhub process queued over
 * the socket, so the URL has to say which Jellyfin item or YouTube video it is.
 */
export type Identity =
  | { source: "jellyfin"; id: string; mediaSourceId: string; playSessionId?: string | undefined; url: string }
  | { source: "youtube"; id: string; url: string }
  | { source: "url"; id: string; url: string };

const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;

export function youtubeUrl(id: string): string {
  return `https://www.youtube.com/watch?v=${id}`;
}

export function youtubeId(text: string): string | undefined {
  if (YOUTUBE_ID.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/^(www|m|music)\./, "");
  let id: string | null | undefined;
  if (host === "youtube.com" || host === "youtube-nocookie.com") {
    id =
      url.pathname === "/watch"
        ? url.searchParams.get("v")
        : /^\/(?:shorts|live|embed)\/([^/]+)/.exec(url.pathname)?.[1];
  } else if (host === "youtu.be") {
    id = url.pathname.slice(1);
  }
  return id && YOUTUBE_ID.test(id) ? id : undefined;
}

export function identify(url: string): Identity {
  const jellyfin = /\/Videos\/([0-9a-f]{32}|[0-9a-f-]{36})\/stream(?:\.\w+)?(?:\?|$)/i.exec(url);
  if (jellyfin) {
    const query = new URL(url).searchParams;
    const id = jellyfin[1]!.replaceAll("-", "");
    return {
      source: "jellyfin",
      id,
      mediaSourceId: query.get("mediaSourceId") ?? query.get("MediaSourceId") ?? id,
      playSessionId: query.get("playSessionId") ?? query.get("PlaySessionId") ?? undefined,
      url,
    };
  }
  const video = url.startsWith("ytdl://") ? youtubeId(url.slice(7)) : youtubeId(url);
  if (video) return { source: "youtube", id: video, url };
  return { source: "url", id: url, url };
}
