import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyFailure, versionAgeDays } from "../../../src/modules/media/youtube/ytdlp.ts";
import { runCli, type Sandbox } from "../../helpers/sandbox.ts";
import { fileServer, makeClip, mediaSandbox, mpvArgs } from "./helpers.ts";

const sandboxes: Sandbox[] = [];
let media: { url: string; server: Server };

function sandbox(
  env: NodeJS.ProcessEnv = {},
  config: Record<string, unknown> = {},
): Sandbox & { log: string } {
  const made = mediaSandbox({ FAKE_YTDLP_MEDIA_URL: media.url, ...env }, config);
  sandboxes.push(made);
  const log = join(made.root, "yt-dlp.log");
  made.env.FAKE_YTDLP_LOG = log;
  return Object.assign(made, { log });
}

/** yt-dlp's invocations, as the fake recorded its argv. */
function invocations(box: { log: string }): string[][] {
  try {
    return readFileSync(box.log, "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as string[]);
  } catch {
    return [];
  }
}

/** A Brave profile's cookie database; signed in to YouTube when it holds SAPISID. */
function braveCookies(box: Sandbox, signedIn: boolean): void {
  const dir = join(box.home, ".config/BraveSoftware/Brave-Browser/Default");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "Cookies"),
    signedIn
      ? "SQLite format 3\0.youtube.com SAPISID .youtube.com LOGIN_INFO"
      : "SQLite format 3\0.youtube.com VISITOR_INFO1_LIVE",
  );
}

beforeAll(async () => {
  media = await fileServer(await makeClip());
});

afterAll(() => {
  media.server.close();
  for (const s of sandboxes) s.cleanup();
});

describe("deskhub media yt", () => {
  it("searches with ytsearchN: and flat entries, and prints id, title, duration and channel", async () => {
    const box = sandbox();
    const result = await runCli(["media", "yt", "search", "heat", "pump", "--limit", "5"], box.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^[\w-]{11} {2}Why the heat pump is the future of heating {2}\[\d+:\d\d\] {2}\(Technology Connections\)$/m,
    );
    expect(invocations(box)[0]).toEqual([
      "--flat-playlist",
      "--dump-json",
      "--no-warnings",
      "--playlist-end",
      "5",
      "--",
      "ytsearch5:heat pump",
    ]);
    const json = JSON.parse(
      (await runCli(["media", "yt", "search", "heat", "pump", "--json"], box.env)).stdout,
    ) as Array<Record<string, unknown>>;
    expect(json[0]).toMatchObject({
      _type: "url",
      ie_key: "Youtube",
      channel: "Technology Connections",
      deskhub_watched: false,
    });
    expect(json[0]?.thumbnails).toBeInstanceOf(Array);
  });

  it("reads Watch Later with the browser's cookies, brave unless configured", async () => {
    const box = sandbox();
    braveCookies(box, true);
    const result = await runCli(["media", "yt", "watchlater"], box.env);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(6);
    expect(result.stdout).toContain("The surprising secret of synchronization");
    expect(invocations(box)[0]).toEqual([
      "--flat-playlist",
      "--dump-json",
      "--no-warnings",
      "--playlist-end",
      "200",
      "--cookies-from-browser",
      "brave",
      "--",
      ":ytwatchlater",
    ]);

    const firefox = sandbox({}, { youtube: { browser: "firefox" } });
    const error = await runCli(["media", "yt", "watchlater"], firefox.env);
    expect(invocations(firefox)[0]).toContain("firefox");
    expect(error.code).toBe(78);
    expect(error.stderr).toMatch(
      /yt-dlp could not read the cookies of firefox: could not find firefox cookies database/,
    );
    expect(error.stderr).toMatch(/set media\.youtube\.browser/);
  });

  it('explains cookies that are not signed in ("the playlist does not exist")', async () => {
    const box = sandbox();
    braveCookies(box, false);
    const result = await runCli(["media", "yt", "watchlater"], box.env);
    expect(result.code).toBe(77);
    expect(result.stderr).toMatch(
      /YouTube did not accept the cookies from brave for Watch Later: \[youtube:tab\] WL: The playlist does not exist/,
    );
    expect(result.stderr).toMatch(/sign in to YouTube in brave/);
  });

  it("hides videos watched here from Watch Later, since yt-dlp cannot remove them", async () => {
    const box = sandbox();
    braveCookies(box, true);
    const first = (await runCli(["media", "yt", "watchlater"], box.env)).stdout.trim().split("\n");
    const id = first[1]!.split(" ")[0]!;
    expect((await runCli(["media", "yt", "watched", id], box.env)).stdout).toBe(
      "watched: Why SQLite is everywhere\n",
    );
    const after = await runCli(["media", "yt", "watchlater", "--cached"], box.env);
    expect(after.stdout).not.toContain(id);
    expect(after.stdout.trim().split("\n")).toHaveLength(5);
    expect(after.stderr).toContain("1 watched here and hidden (--all shows them)");
    const all = await runCli(["media", "yt", "watchlater", "--cached", "--all"], box.env);
    expect(all.stdout).toContain(`${id}  ✓ Why SQLite is everywhere`);
    await runCli(["media", "yt", "watched", id, "--undo"], box.env);
    expect((await runCli(["media", "yt", "watchlater", "--cached"], box.env)).stdout).toContain(id);
  });

  it("says there is no network, and falls back to the last copy of a list", async () => {
    const box = sandbox();
    braveCookies(box, true);
    await runCli(["media", "yt", "subscriptions"], box.env);
    box.env.FAKE_YTDLP_OFFLINE = "1";
    const search = await runCli(["media", "yt", "search", "sqlite"], box.env);
    expect(search.code).toBe(69);
    expect(search.stderr).toMatch(/no network: yt-dlp could not reach YouTube for the search "sqlite"/);
    const subscriptions = await runCli(["media", "yt", "subscriptions"], box.env);
    expect(subscriptions.code).toBe(0);
    expect(subscriptions.stderr).toMatch(/no network.*; showing the copy from just now/);
    expect(subscriptions.stdout).toContain("Technology Connections");
  });

  it("says when yt-dlp is too old for YouTube (Debian's 2023.03.04)", async () => {
    const box = sandbox({ FAKE_YTDLP_VERSION: "2023.03.04" });
    const result = await runCli(["media", "yt", "channel", "@veritasium"], box.env);
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(
      /yt-dlp 2023\.03\.04 is too old for today's YouTube \(released \d+ days ago\)/,
    );
    expect(result.stderr).toMatch(/pipx install yt-dlp/);
  });

  it("lists a channel's latest uploads by @handle", async () => {
    const box = sandbox();
    const result = await runCli(["media", "yt", "channel", "@NileRed"], box.env);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")[0]).toContain("Turning plastic gloves into grape soda");
    expect(invocations(box)[0]?.at(-1)).toBe("https://www.youtube.com/@NileRed/videos");
  });

  it("plays through mpv's yt-dlp hook, and a video seen to the end joins the watched list and history", async () => {
    const box = sandbox({}, { mpv: { args: mpvArgs(30) } });
    const found = await runCli(["media", "yt", "search", "dishwasher", "--limit", "1"], box.env);
    const id = found.stdout.split(" ")[0]!;
    const result = await runCli(["media", "yt", "play", `https://youtu.be/${id}`, "--start", "300"], box.env);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("Playing: The dishwasher detergent experiment, part two (from 300 s)");
    // mpv asked the same yt-dlp for the stream, as its ytdl_hook does.
    const hook = invocations(box).find((args) => args.includes("-J"));
    expect(hook).toEqual(
      expect.arrayContaining([
        "--no-warnings",
        "-J",
        "--flat-playlist",
        "--format",
        `https://www.youtube.com/watch?v=${id}`,
      ]),
    );
    const history = JSON.parse((await runCli(["media", "yt", "history", "--json"], box.env)).stdout) as Array<
      Record<string, unknown>
    >;
    expect(history[0]).toMatchObject({
      source: "youtube",
      itemId: id,
      title: "The dishwasher detergent experiment, part two",
      watched: true,
    });
    expect((await runCli(["media", "yt", "search", "dishwasher", "--limit", "1"], box.env)).stdout).toContain(
      "✓ The dishwasher",
    );
  });
});

describe("yt-dlp failure messages", () => {
  it("ages versions by their release date", () => {
    expect(versionAgeDays("2023.03.04", Date.UTC(2023, 2, 14))).toBe(10);
    expect(versionAgeDays("2024.05.27.232908")).toBeGreaterThan(0);
    expect(versionAgeDays("abc123-dirty")).toBeUndefined();
  });

  it("does not blame the version for a plain network failure", () => {
    const error = classifyFailure(
      "ERROR: [youtube] x: Unable to download webpage: <urlopen error [Errno 101] Network is unreachable>",
      { what: "a video", version: "2023.03.04" },
    );
    expect(error.message).toMatch(/^no network/);
  });

  it("calls an unknown option a sign of an old yt-dlp", () => {
    const error = classifyFailure("yt-dlp: error: no such option: --cookies-from-browser", {
      what: "Watch Later",
      version: "2021.01.01",
    });
    expect(error.message).toMatch(/yt-dlp 2021\.01\.01 is too old: it does not know an option/);
  });
});
