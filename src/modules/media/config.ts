import { z } from "zod";
import { duration } from "../../core/config/fields.ts";

const MenuBackend = z.enum(["auto", "rofi", "wofi", "fuzzel", "dmenu", "fzf"]);

const JellyfinConfig = z.object({
  /** The server, e.g. `http://jellyfin.lan:8096`; JELLYFIN_URL wins. */
  url: z.union([z.url({ protocol: /^https?$/ }), z.literal("")]).default(""),
  /** The user to act for: the login name, or which user an API key browses as. */
  user: z.string().default(""),
  /** How often the daemon refreshes the library cache (incrementally). */
  refresh_interval: duration().default(900),
  /** How often a refresh re-reads the whole library instead (catches deletions and unplayed marks made elsewhere). */
  full_refresh_interval: duration().default(86_400),
  /** How often playback progress is reported while playing. */
  progress_interval: duration().default(5),
  /** Items per request when reading the library. */
  page_size: z.number().int().min(50).max(5000).default(1000),
  /** A request that takes longer than this has failed. */
  timeout: duration().default(20),
});

const YoutubeConfig = z.object({
  /** yt-dlp on PATH or a path to a newer one. */
  ytdlp: z.string().min(1).default("yt-dlp"),
  /** The browser whose cookies sign in for Watch Later and subscriptions (yt-dlp --cookies-from-browser). */
  browser: z.string().min(1).default("brave"),
  search_results: z.number().int().min(1).max(100).default(20),
  /** How many entries of a playlist or feed to read. */
  list_limit: z.number().int().min(1).max(5000).default(200),
  /** Channels for `deskhub media yt channel` and the menu: URLs, @handles or channel ids. */
  channels: z.array(z.string().min(1)).default([]),
  /** Hide Watch Later entries deskhub saw played to the end (yt-dlp cannot remove them). */
  hide_watched: z.boolean().default(true),
  /** mpv's ytdl-format. */
  format: z.string().min(1).default("bestvideo[height<=?1080]+bestaudio/best"),
  /** A request that takes longer than this has failed. */
  timeout: duration().default(90),
});

const MpvConfig = z.object({
  path: z.string().min(1).default("mpv"),
  /** Extra mpv options, e.g. `["--fs", "--profile=big"]`. */
  args: z.array(z.string()).default([]),
});

export const MediaConfig = z.object({
  /** Which menu program; `auto` picks from the session (fzf in a terminal, fuzzel/wofi/rofi on Wayland, rofi/dmenu on X11). */
  menu: MenuBackend.default("auto"),
  /** Thumbnails as menu icons (rofi, fuzzel, wofi). */
  icons: z.boolean().default(true),
  /** A menu shows the cache at once and refreshes it in the background when it is older than this. */
  stale_after: duration().default(120),
  /** Fraction of the runtime that counts as watched to the end. */
  watched_at: z.number().min(0.5).max(1).default(0.9),
  jellyfin: JellyfinConfig.prefault({}),
  youtube: YoutubeConfig.prefault({}),
  mpv: MpvConfig.prefault({}),
});

export type MediaConfig = z.output<typeof MediaConfig>;
