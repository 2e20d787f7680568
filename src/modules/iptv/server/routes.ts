import { HttpError } from "./respond.ts";

export type StreamKind = "live" | "movie" | "series";

export type Route =
  | { type: "player_api" }
  | { type: "get" }
  | { type: "xmltv" }
  | { type: "timeshift_php" }
  | { type: "stream"; kind: StreamKind; username: string; password: string; id: string; ext: string }
  | {
      type: "timeshift";
      username: string;
      password: string;
      duration: string;
      start: string;
      id: string;
      ext: string;
    }
  | { type: "hls"; token: string }
  | { type: "img"; token: string };

export const STREAM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const EXT = /^[A-Za-z0-9]{1,5}$/;
const DURATION = /^\d{1,6}$/;
const START = /^[0-9][0-9:_ .T-]{6,24}$/;
const TOKEN = /^[A-Za-z0-9_-]{20,4096}$/;

const PAGES: Record<string, Route> = {
  "player_api.php": { type: "player_api" },
  "panel_api.php": { type: "player_api" },
  "get.php": { type: "get" },
  "xmltv.php": { type: "xmltv" },
};

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, "the address has a broken %-escape");
  }
}

/** `123.ts` -> id and extension; a bare id gets `fallback`. */
function idAndExt(last: string, fallback: string | undefined): { id: string; ext: string } {
  const dot = last.lastIndexOf(".");
  const id = dot === -1 ? last : last.slice(0, dot);
  const ext = dot === -1 ? fallback : last.slice(dot + 1).toLowerCase();
  if (!STREAM_ID.test(id)) throw new HttpError(400, `"${id.slice(0, 40)}" is not a stream id`);
  if (ext === undefined || !EXT.test(ext))
    throw new HttpError(400, "the stream address needs an extension such as .ts or .mp4");
  return { id, ext };
}

/**
 * What a request path asks for, in the address forms Xtream clients use. Malformed
 * addresses are a 400 that says what is wrong; unknown ones are undefined (404).
 */
export function parseRoute(pathname: string): Route | undefined {
  const parts = pathname.split("/").slice(1);
  if (parts.some((p) => p === "" || p === "." || p === "..")) return undefined;
  const [first, ...rest] = parts;
  if (first === undefined) return undefined;
  if (rest.length === 0) return PAGES[first];
  if (first === "streaming" && rest.length === 1 && rest[0] === "timeshift.php")
    return { type: "timeshift_php" };
  if (first === "hls" || first === "img") {
    if (rest.length > 2) return undefined;
    const token = rest[0]!.replace(/\.[A-Za-z0-9]{1,5}$/, "");
    if (!TOKEN.test(token)) throw new HttpError(400, "the link is damaged (a bad token)");
    return { type: first, token };
  }
  const segments = parts.map(decode);
  if ((first === "live" || first === "movie" || first === "series") && segments.length === 4) {
    const [, username, password, last] = segments as [string, string, string, string];
    return {
      type: "stream",
      kind: first,
      username,
      password,
      ...idAndExt(last, first === "live" ? "ts" : undefined),
    };
  }
  if (first === "timeshift" && segments.length === 6) {
    const [, username, password, duration, start, last] = segments as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!DURATION.test(duration))
      throw new HttpError(400, "the timeshift duration must be a number of minutes");
    if (!START.test(start)) throw new HttpError(400, "the timeshift start must look like 2025-03-03:13-57");
    return { type: "timeshift", username, password, duration, start, ...idAndExt(last, "ts") };
  }
  // The short live form: /user/pass/id
  if (segments.length === 3) {
    const [username, password, last] = segments as [string, string, string];
    return { type: "stream", kind: "live", username, password, ...idAndExt(last, "ts") };
  }
  return undefined;
}
