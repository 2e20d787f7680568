import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TICKS_PER_SECOND } from "../../fixtures/jellyfin/library.ts";
import { FakeJellyfin } from "../../fixtures/jellyfin/server.ts";
import { runCli, type Sandbox } from "../../helpers/sandbox.ts";
import { fileServer, makeClip, mediaSandbox, mpvArgs, shortFilm } from "./helpers.ts";

let fake: FakeJellyfin;
let key: string;
let media: { url: string; server: Server };
let box: Sandbox;

/** The launcher driven like a user who types into fzf and presses Enter, one answer per menu. */
function menu(...answers: string[]) {
  return runCli(["media", "menu", "--backend", "fzf", ...answers.flatMap((a) => ["--filter", a])], box.env);
}

beforeAll(async () => {
  const clip = await makeClip();
  fake = new FakeJellyfin({ library: { movies: 400, series: 25 }, mediaFile: clip });
  key = fake.createApiKey();
  await fake.start();
  media = await fileServer(clip);
  box = mediaSandbox(
    { JELLYFIN_URL: fake.url, JELLYFIN_API_KEY: key, FAKE_YTDLP_MEDIA_URL: media.url },
    { mpv: { args: mpvArgs(20) }, jellyfin: { progress_interval: 1 } },
  );
  const cookies = join(box.home, ".config/BraveSoftware/Brave-Browser/Default");
  mkdirSync(cookies, { recursive: true });
  writeFileSync(join(cookies, "Cookies"), "SQLite format 3\0.youtube.com SAPISID");
});

afterAll(async () => {
  await fake.stop();
  media.server.close();
  box.cleanup();
});

describe("deskhub media menu", () => {
  it("continues watching from the menu: the item resumes in mpv and Jellyfin hears about it", async () => {
    const film = shortFilm(fake, "Launcher Film");
    Object.assign(fake.userData("alice", film.Id), {
      PlaybackPositionTicks: 300 * TICKS_PER_SECOND,
      LastPlayedDate: new Date().toISOString(),
    });
    const result = await menu("continue watching", "launcher film", "resume at 5:00");
    expect(result.stderr).toContain("reading the Jellyfin library for the first time");
    expect(result.code).toBe(0);
    const reports = fake.reports.filter((r) => r.body.ItemId === film.Id);
    expect(reports.map((r) => r.kind)).toContain("start");
    expect(Number(reports[0]!.body.PositionTicks) / TICKS_PER_SECOND).toBeGreaterThanOrEqual(299);
    expect(reports.at(-1)?.kind).toBe("stopped");
    expect(fake.userData("alice", film.Id).Played).toBe(true);
  });

  it("keeps poster thumbnails on disk for the menu's icons", () => {
    const dir = join(box.env.XDG_CACHE_HOME!, "deskhub", "media", "thumbs");
    const film = fake.find((i) => i.Name === "Launcher Film");
    expect(existsSync(join(dir, `jf-${film.Id}-${film.ImageTag}.png`))).toBe(true);
    expect(readdirSync(dir).every((name) => /^jf-[0-9a-f]{32}-[0-9a-f]{16}\.png$/.test(name))).toBe(true);
  });

  it("walks a series down to an episode and marks it played", async () => {
    const series = fake.find(
      (i) =>
        i.Type === "Series" && !fake.items().some((o) => o !== i && o.Type === "Series" && o.Name === i.Name),
    );
    const pilot = fake.find(
      (i) => i.SeriesId === series.Id && i.ParentIndexNumber === 1 && i.IndexNumber === 1,
    );
    const result = await menu("browse shows", `'${series.Name}`, "season 1", "s01e01", "mark played");
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`${series.Name} S01E01 · Pilot: marked played`);
    expect(fake.userData("alice", pilot.Id).Played).toBe(true);
  });

  it("fetches the posters of a menu shown by a program that takes items (dmenu) too", async () => {
    const bin = join(box.root, "bin-dmenu");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "dmenu"), `#!/bin/sh\ncat > "${bin}/stdin"\nexit 1\n`, { mode: 0o755 });
    const dir = join(box.env.XDG_CACHE_HOME!, "deskhub", "media", "thumbs");
    const before = existsSync(dir) ? readdirSync(dir).length : 0;
    const env = { ...box.env, PATH: `${bin}:${box.env.PATH}` };
    const result = await runCli(["media", "menu", "--backend", "dmenu", "--open", "everything"], env);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(bin, "stdin"), "utf8").split("\n").length).toBeGreaterThan(1000);
    expect(readdirSync(dir).length).toBeGreaterThan(before);
  });

  it("shows the cached library when the server is down, without waiting for it", async () => {
    const port = Number(new URL(fake.url).port);
    shortFilm(fake, "Offline Film");
    await runCli(["media", "refresh"], box.env);
    await fake.stop();
    try {
      // The item is found in the cached menu; only playing it needs the server.
      const result = await runCli(
        [
          "media",
          "menu",
          "--backend",
          "fzf",
          "--open",
          "everything",
          "--filter",
          "offline film",
          "--filter",
          "play",
        ],
        box.env,
      );
      expect(result.code).toBe(69);
      expect(result.stderr).toMatch(
        /cannot reach Jellyfin at http:\/\/127\.0\.0\.1:\d+ while reading the server info/,
      );
      expect(result.stderr).not.toContain("matches");
      expect(result.stderr).not.toContain("empty");
    } finally {
      await fake.start(port);
    }
  });

  it("opens a stale cache at once and refreshes it behind the menu, for the next time", async () => {
    const stale = mediaSandbox(
      { JELLYFIN_URL: fake.url, JELLYFIN_API_KEY: key },
      { stale_after: 0, jellyfin: { progress_interval: 1 } },
    );
    try {
      expect((await runCli(["media", "refresh"], stale.env)).code).toBe(0);
      shortFilm(fake, "Added While Away");
      const everything = ["media", "menu", "--backend", "fzf", "--open", "everything"];
      // The menu is built from the cache as it was: the new film is not in it yet...
      const first = await runCli([...everything, "--filter", "added while away"], stale.env);
      expect(first.code).toBe(65);
      expect(first.stderr).toContain('nothing in the menu "Everything" matches "added while away"');
      expect(first.stderr).not.toContain("Jellyfin refresh:");
      // ...while the refresh it started behind the menu brought it in before the process ended.
      const listed = await runCli(["media", "jellyfin", "search", "added while away", "--cached"], stale.env);
      expect(listed.stdout).toContain("Added While Away (2010)");
      const second = await runCli(
        [...everything, "--filter", "added while away", "--filter", "mark played"],
        stale.env,
      );
      expect(second.code).toBe(0);
      expect(second.stderr).toContain("Added While Away (2010): marked played");
    } finally {
      stale.cleanup();
    }
  });

  it("shows in the whole-library menu what changed since the last one", async () => {
    shortFilm(fake, "Readymade Feature");
    expect((await runCli(["media", "refresh"], box.env)).code).toBe(0);
    const everything = ["media", "menu", "--backend", "fzf", "--open", "everything"];
    // fzf matches labels: a played item's ends in ✓.
    const unplayed = await runCli([...everything, "--filter", "'readymade ✓"], box.env);
    expect(unplayed.code).toBe(65);
    const marked = await runCli(
      [...everything, "--filter", "'readymade", "--filter", "mark played"],
      box.env,
    );
    expect(marked.stderr).toContain("Readymade Feature (2010): marked played");
    const played = await runCli(
      [...everything, "--filter", "'readymade ✓", "--filter", "mark unplayed"],
      box.env,
    );
    expect(played.code).toBe(0);
    expect(played.stderr).toContain("Readymade Feature (2010)  [✓]: marked unplayed");
  });

  it("refuses a broken config as every media command does, naming file, line and key", async () => {
    const broken = mediaSandbox({ JELLYFIN_URL: fake.url, JELLYFIN_API_KEY: key });
    try {
      writeFileSync(join(broken.configDir, "config.yaml"), "media:\n  stale_after: soon\n");
      const result = await runCli(["media", "menu", "--backend", "fzf", "--open", "everything"], broken.env);
      expect(result.code).toBe(78);
      expect(result.stderr).toMatch(/config\.yaml:2: media\.stale_after: /);
      const help = await runCli(["media", "menu", "--help"], broken.env);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("--open <section>");
    } finally {
      broken.cleanup();
    }
  });

  it("says which menu an answer did not match", async () => {
    const result = await menu("browse movies", "no such film anywhere");
    expect(result.code).toBe(65);
    expect(result.stderr).toContain('nothing in the menu "Movies" matches "no such film anywhere"');
    const empty = await menu("continue watching", "anything");
    expect(empty.stderr).toContain('the menu "Continue watching" is empty');
  });

  it("marks a Watch Later video watched, which hides it from the list", async () => {
    const result = await runCli(
      [
        "media",
        "menu",
        "--backend",
        "fzf",
        "--open",
        "watchlater",
        "--filter",
        "sqlite",
        "--filter",
        "mark watched",
      ],
      box.env,
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("fetching Watch Later from YouTube");
    const list = await runCli(["media", "yt", "watchlater", "--cached"], box.env);
    expect(list.stdout).not.toContain("SQLite");
    expect(list.stdout).toContain("The surprising secret of synchronization");
  });
});
