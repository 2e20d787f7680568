import { type Command, InvalidArgumentError } from "commander";
import type { CliApp } from "../../../core/module.ts";
import type { MediaConfig } from "../config.ts";

type App = CliApp<MediaConfig>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

// Commander turns an InvalidArgumentError into a usage error (exit 64) naming the option.
function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`"${value}" is not a number of seconds (0 or more)`);
  return n;
}

function signedSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    throw new InvalidArgumentError(`"${value}" is not a number of seconds`);
  return n;
}

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`"${value}" is not a whole number from ${min} to ${max}`);
    return n;
  };
}

/** `deskhub media ...`: every action loads its code (and the SDK, mpv, yt-dlp) only when it runs. */
export function registerMediaCommands(cli: Command, app: App): void {
  cli
    .command("menu")
    .description("the launcher: Jellyfin and YouTube in one menu, played in mpv")
    .option("--backend <name>", "menu program: rofi, wofi, fuzzel, dmenu, fzf or auto (default: media.menu)")
    .option(
      "--open <section>",
      "open a section directly: resume, nextup, everything, search, watchlater, subscriptions, youtube",
    )
    .option(
      "--filter <text>",
      "answer the next menu without a user (fzf --filter); repeat for each level",
      collect,
    )
    .option("--no-refresh", "do not refresh the cache in the background")
    .addHelpText(
      "after",
      "\nBind it to a key (sway: bindsym $mod+m exec deskhub media menu).\nExamples:\n  deskhub media menu\n  deskhub media menu --open watchlater\n  deskhub media menu --filter 'continue' --filter 'severance' --filter 'resume'",
    )
    .action(async (options) => (await import("./menu.ts")).menuAction(app, options));

  cli
    .command("refresh")
    .description("bring the Jellyfin library cache up to date (incremental unless --full)")
    .option("--full", "read the whole library again (catches deletions and unplayed marks)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub media refresh --json")
    .action(async (options) => (await import("./library.ts")).refreshAction(app, options));

  cli
    .command("status")
    .description("the library cache (age, size, server), the player and the history")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub media status")
    .action(async (options) => (await import("./library.ts")).statusAction(app, options));

  const jellyfin = cli.command("jellyfin").description("Jellyfin: continue watching, next up, search, play");
  const listOptions = (command: Command) =>
    command
      .option("--json", "print JSON (the server's items, every field)")
      .option("--cached", "answer from the cache without asking the server");
  listOptions(jellyfin.command("resume").description("Continue Watching: items with a resume point"))
    .addHelpText("after", "\nExample:\n  deskhub media jellyfin resume --json")
    .action(async (options) => (await import("./jellyfin.ts")).listAction(app, "resume", options));
  listOptions(jellyfin.command("nextup").description("Next Up: the next episode of each series in progress"))
    .addHelpText("after", "\nExample:\n  deskhub media jellyfin nextup")
    .action(async (options) => (await import("./jellyfin.ts")).listAction(app, "nextup", options));
  listOptions(jellyfin.command("latest").description("recently added, per library"))
    .option("--library <name>", "only this library")
    .addHelpText("after", "\nExample:\n  deskhub media jellyfin latest --library Movies")
    .action(async (options) => (await import("./jellyfin.ts")).latestAction(app, options));
  listOptions(jellyfin.command("libraries").description("the video libraries"))
    .addHelpText("after", "\nExample:\n  deskhub media jellyfin libraries")
    .action(async (options) => (await import("./jellyfin.ts")).librariesAction(app, options));
  listOptions(
    jellyfin
      .command("search")
      .description("search movies, series and episodes")
      .argument("<words...>", "what to look for"),
  )
    .addHelpText("after", "\nExample:\n  deskhub media jellyfin search severance --json")
    .action(async (words: string[], options) =>
      (await import("./jellyfin.ts")).searchAction(app, words.join(" "), options),
    );
  listOptions(
    jellyfin
      .command("episodes")
      .description("a series' seasons and episodes")
      .argument("<series>", "series id or name"),
  )
    .option("--season <number>", "only this season (0 holds the specials)", wholeNumber(0, 10_000))
    .addHelpText("after", "\nExample:\n  deskhub media jellyfin episodes 'The Silent Harbor' --season 2")
    .action(async (series: string, options) =>
      (await import("./jellyfin.ts")).episodesAction(app, series, options),
    );
  jellyfin
    .command("play")
    .description("play an item in mpv at its resume position, reporting progress to Jellyfin")
    .argument("<item>", "item id (from resume, nextup, search)")
    .option("--from-start", "ignore the resume position")
    .option("--start <seconds>", "start here", seconds)
    .option("--queue", "add after what plays instead of replacing it")
    .addHelpText("after", "\nExample:\n  deskhub media jellyfin play 5f0c3b2ad1e94c5b8a6f0e9d2c1b0a99")
    .action(async (item: string, options) => (await import("./jellyfin.ts")).playAction(app, item, options));
  jellyfin
    .command("played")
    .description("mark an item (a series or season: all its episodes) as played")
    .argument("<item>", "item id")
    .addHelpText("after", "\nExample:\n  deskhub media jellyfin played 5f0c3b2ad1e94c5b8a6f0e9d2c1b0a99")
    .action(async (item: string) => (await import("./jellyfin.ts")).markAction(app, item, true));
  jellyfin
    .command("unplayed")
    .description("mark an item as not played")
    .argument("<item>", "item id")
    .addHelpText("after", "\nExample:\n  deskhub media jellyfin unplayed 5f0c3b2ad1e94c5b8a6f0e9d2c1b0a99")
    .action(async (item: string) => (await import("./jellyfin.ts")).markAction(app, item, false));
  jellyfin
    .command("login")
    .description("sign in as a user (instead of an API key); the token is kept in a mode-600 file")
    .option("--user <name>", "user name (default: media.jellyfin.user)")
    .option("--password-stdin", "read the password from stdin")
    .option("--quick-connect", "sign in by entering a code in another Jellyfin app")
    .addHelpText(
      "after",
      "\nThe password also comes from JELLYFIN_PASSWORD, or is asked for on a terminal.\nExamples:\n  deskhub media jellyfin login --user alice\n  deskhub media jellyfin login --quick-connect",
    )
    .action(async (options) => (await import("./login.ts")).loginAction(app, options));
  jellyfin
    .command("logout")
    .description("forget the saved login")
    .addHelpText("after", "\nExample:\n  deskhub media jellyfin logout")
    .action(async () => (await import("./login.ts")).logoutAction(app));

  const yt = cli
    .command("yt")
    .description("YouTube through yt-dlp: search, Watch Later, subscriptions, channels");
  yt.command("search")
    .description("search YouTube")
    .argument("<words...>", "what to look for")
    .option("--limit <n>", "how many results (default: media.youtube.search_results)", wholeNumber(1, 100))
    .option("--json", "print JSON (yt-dlp's entries)")
    .addHelpText("after", "\nExample:\n  deskhub media yt search heat pumps --limit 5")
    .action(async (words: string[], options) =>
      (await import("./youtube.ts")).searchAction(app, words.join(" "), options),
    );
  yt.command("watchlater")
    .description("your Watch Later list (cookies from media.youtube.browser), without what you watched here")
    .option("--all", "include videos already watched")
    .option("--cached", "the last copy, without running yt-dlp")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub media yt watchlater --json")
    .action(async (options) => (await import("./youtube.ts")).listAction(app, "watchlater", options));
  yt.command("subscriptions")
    .description("the subscriptions feed (cookies from media.youtube.browser)")
    .option("--all", "include videos already watched")
    .option("--cached", "the last copy, without running yt-dlp")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub media yt subscriptions")
    .action(async (options) => (await import("./youtube.ts")).listAction(app, "subscriptions", options));
  yt.command("channel")
    .description("a channel's latest uploads")
    .argument("<channel>", "@handle, channel id or URL")
    .option("--all", "include videos already watched")
    .option("--cached", "the last copy, without running yt-dlp")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub media yt channel @TechnologyConnections")
    .action(async (channel: string, options) =>
      (await import("./youtube.ts")).listAction(app, `channel:${channel}`, options),
    );
  yt.command("play")
    .description("play a video in mpv (through mpv's yt-dlp hook)")
    .argument("<video>", "video id or URL")
    .option("--start <seconds>", "start here", seconds)
    .option("--queue", "add after what plays instead of replacing it")
    .addHelpText("after", "\nExample:\n  deskhub media yt play https://youtu.be/dQw4w9WgXcQ")
    .action(async (video: string, options) => (await import("./youtube.ts")).playAction(app, video, options));
  yt.command("watched")
    .description("mark a video watched (hidden from Watch Later here), or --undo")
    .argument("<video>", "video id or URL")
    .option("--undo", "mark it not watched")
    .addHelpText("after", "\nExample:\n  deskhub media yt watched dQw4w9WgXcQ")
    .action(async (video: string, options) =>
      (await import("./youtube.ts")).watchedAction(app, video, options),
    );
  yt.command("history")
    .description("what was played, from every source")
    .option("--limit <n>", "how many (default 30)", wholeNumber(1, 10_000))
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub media yt history --limit 10")
    .action(async (options) => (await import("./youtube.ts")).historyAction(app, options));

  const player = cli.command("player").description("the mpv player: status, pause, next, seek, stop");
  player
    .command("status")
    .description("what plays, where, paused or not")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub media player status --json")
    .action(async (options) => (await import("./player.ts")).statusAction(app, options));
  player
    .command("pause")
    .description("toggle pause (or --on / --off)")
    .option("--on", "pause")
    .option("--off", "resume playing")
    .addHelpText("after", "\nExample:\n  deskhub media player pause")
    .action(async (options) => (await import("./player.ts")).pauseAction(app, options));
  player
    .command("next")
    .description("skip to the next queued file")
    .addHelpText("after", "\nExample:\n  deskhub media player next")
    .action(async () => (await import("./player.ts")).nextAction(app));
  player
    .command("seek")
    .description("jump to a position, or by an amount with --relative")
    .argument("<seconds>", "seconds (negative with --relative goes back)", signedSeconds)
    .option("--relative", "move by this much")
    .addHelpText(
      "after",
      "\nExamples:\n  deskhub media player seek 600\n  deskhub media player seek -- -30 --relative",
    )
    .action(async (to: number, options) => (await import("./player.ts")).seekAction(app, to, options));
  player
    .command("stop")
    .description("stop playback (the position is reported)")
    .addHelpText("after", "\nExample:\n  deskhub media player stop")
    .action(async () => (await import("./player.ts")).stopAction(app));
}
