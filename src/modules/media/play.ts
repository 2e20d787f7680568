import { z } from "zod";
import { NOT_RUNNING_HINT, runInDaemon } from "../../core/control/client.ts";
import { ExitCode, isUserError, UserError } from "../../core/errors.ts";
import { ticksToSeconds } from "./jellyfin/client.ts";
import { jellyfinTitle } from "./labels.ts";
import { youtubeId, youtubeUrl } from "./player/identity.ts";
import type { LoadRequest } from "./player/player.ts";
import type { MediaRuntime } from "./runtime.ts";

export const PlayRequest = z.object({
  source: z.enum(["jellyfin", "youtube", "url"]),
  /** A Jellyfin item id, a YouTube id or URL, or any URL mpv can play. */
  id: z.string().min(1),
  /** replace: play now; append-play: queue after what plays. */
  mode: z.enum(["replace", "append-play"]).default("replace"),
  /** Seconds; overrides the resume position. */
  start: z.number().nonnegative().optional(),
  from_start: z.boolean().default(false),
});
export type PlayRequest = z.input<typeof PlayRequest>;

export interface PlayResult {
  title: string;
  source: string;
  id: string;
  start: number;
  /** Who runs the player: this process, an mpv already running, or the daemon. */
  player: "owner" | "client" | "daemon";
}

/** Turns "play this" into what mpv loads: the URL, the title, the start, the auth header. */
export async function resolvePlay(
  runtime: MediaRuntime,
  input: PlayRequest,
): Promise<LoadRequest & { start: number; id: string }> {
  const request = PlayRequest.parse(input);
  if (request.source === "jellyfin") {
    const client = await runtime.jellyfin();
    const item = await client.item(request.id);
    if (item.Type === "Series" || item.Type === "Season" || item.Type === "CollectionFolder") {
      throw new UserError(`"${item.Name}" is a ${item.Type?.toLowerCase()}, not something to play`, {
        code: ExitCode.usage,
        hint: "pick an episode: deskhub media jellyfin nextup, or the menu",
      });
    }
    (await runtime.cache()).upsert([item]);
    const start =
      request.start ?? (request.from_start ? 0 : ticksToSeconds(item.UserData?.PlaybackPositionTicks));
    const info = await client.playbackInfo(item.Id);
    return {
      id: item.Id,
      url: client.streamUrl(item.Id, info.mediaSourceId, info.playSessionId),
      title: jellyfinTitle(item),
      mode: request.mode,
      start,
      options: {
        // The token travels in a header, set per file over the IPC socket: it is in no URL,
        // no process list and no log.
        "http-header-fields": `Authorization: ${client.authorizationHeader}`,
        ytdl: "no",
        ...(start > 0 ? { start: start.toFixed(3) } : {}),
      },
    };
  }
  if (request.source === "youtube") {
    const id = youtubeId(request.id);
    if (!id) {
      throw new UserError(`"${request.id}" is not a YouTube video id or URL`, {
        code: ExitCode.usage,
        hint: "give the 11-character id or a youtube.com/watch?v= or youtu.be link",
      });
    }
    const entry = (await runtime.youtubeStore()).entry(id);
    const start = request.start ?? 0;
    return {
      id,
      url: youtubeUrl(id),
      title: entry?.title ?? youtubeUrl(id),
      mode: request.mode,
      start,
      options: start > 0 ? { start: start.toFixed(3) } : {},
    };
  }
  const start = request.start ?? 0;
  return {
    id: request.id,
    url: request.id,
    title: request.id,
    mode: request.mode,
    start,
    options: start > 0 ? { start } : {},
  };
}

/** Plays in this process's player (starting mpv if needed); used by the daemon and the CLI alike. */
export async function playHere(runtime: MediaRuntime, request: PlayRequest): Promise<PlayResult> {
  const load = await resolvePlay(runtime, request);
  const player = await runtime.player();
  const role = await player.load(load);
  return {
    title: load.title,
    source: PlayRequest.parse(request).source,
    id: load.id,
    start: load.start,
    player: role,
  };
}

function daemonUnavailable(error: unknown): boolean {
  if (!isUserError(error)) return false;
  return error.hint === NOT_RUNNING_HINT || /^no command "media\.play"/.test(error.message);
}

/**
 * The CLI's play: the daemon's player when a daemon runs (it owns mpv and reports), else
 * this process plays and, when it started mpv, stays until playback ends.
 */
export async function playFromCli(
  runtime: MediaRuntime,
  request: PlayRequest,
  say: (text: string) => void,
): Promise<PlayResult> {
  try {
    const result = await runInDaemon<PlayResult>(runtime.ctx.paths, "media.play", PlayRequest.parse(request));
    say(`${request.mode === "append-play" ? "Queued" : "Playing"} in the daemon's player: ${result.title}`);
    return { ...result, player: "daemon" };
  } catch (error) {
    if (!daemonUnavailable(error)) throw error;
  }
  const result = await playHere(runtime, request);
  const player = await runtime.player();
  if (result.player === "client") {
    say(`${request.mode === "append-play" ? "Queued" : "Playing"} in the running mpv: ${result.title}`);
    await player.close();
    return result;
  }
  say(`Playing: ${result.title}${result.start > 0 ? ` (from ${Math.round(result.start)} s)` : ""}`);
  await player.done();
  const failed = player.failures.find((f) => f.title === result.title);
  if (failed) {
    throw new UserError(`mpv could not play "${failed.title}": ${failed.error}`, {
      code: ExitCode.unavailable,
      hint:
        result.source === "youtube"
          ? "yt-dlp may be too old for YouTube or the video unavailable; try `deskhub media yt search` to check yt-dlp"
          : "check that the server is reachable and the item still exists (deskhub media refresh)",
    });
  }
  return result;
}
