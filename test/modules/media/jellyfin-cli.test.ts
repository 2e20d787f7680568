import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TICKS_PER_SECOND } from "../../fixtures/jellyfin/library.ts";
import { FakeJellyfin } from "../../fixtures/jellyfin/server.ts";
import { runCli, type Sandbox, spawnCli, waitFor } from "../../helpers/sandbox.ts";
import { mediaSandbox, shortFilm } from "./helpers.ts";

let fake: FakeJellyfin;
let key: string;
const sandboxes: Sandbox[] = [];

function sandbox(env: NodeJS.ProcessEnv = {}, config: Record<string, unknown> = {}): Sandbox {
  const made = mediaSandbox({ JELLYFIN_URL: fake.url, ...env }, config);
  sandboxes.push(made);
  return made;
}

beforeAll(async () => {
  fake = new FakeJellyfin({ library: { movies: 300, series: 30 } });
  key = fake.createApiKey();
  await fake.start();
});

afterAll(async () => {
  await fake.stop();
  for (const s of sandboxes) s.cleanup();
});

describe("deskhub media jellyfin with an API key", () => {
  it("lists Continue Watching with the resume point, and --json passes the server's items on", async () => {
    const film = shortFilm(fake, "Resume Me");
    Object.assign(fake.userData("alice", film.Id), {
      PlaybackPositionTicks: 95 * TICKS_PER_SECOND,
      LastPlayedDate: new Date().toISOString(),
    });
    const box = sandbox({ JELLYFIN_API_KEY: key });
    const text = await runCli(["media", "jellyfin", "resume"], box.env);
    expect(text.code).toBe(0);
    expect(text.stdout.trim()).toBe(`${film.Id}  Resume Me (2010)  [▶ 1:35]`);
    const json = await runCli(["media", "jellyfin", "resume", "--json"], box.env);
    const items = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      Id: film.Id,
      ServerId: fake.serverId,
      LocationType: "FileSystem",
      UserData: { PlaybackPositionTicks: 95 * TICKS_PER_SECOND, Played: false },
    });
    expect(json.stdout).not.toContain(key);
  });

  it("answers from the cache when the server is down, and says how old it is", async () => {
    const box = sandbox({ JELLYFIN_API_KEY: key });
    expect((await runCli(["media", "refresh"], box.env)).stdout).toMatch(/^full refresh: \d+ items read/);
    const port = Number(new URL(fake.url).port);
    await fake.stop();
    try {
      const resume = await runCli(["media", "jellyfin", "resume"], box.env);
      expect(resume.code).toBe(0);
      expect(resume.stdout).toContain("Resume Me (2010)");
      expect(resume.stderr).toMatch(/cannot reach Jellyfin at .*; showing the cache from just now/);
      const refresh = await runCli(["media", "refresh"], box.env);
      expect(refresh.code).toBe(69);
      expect(refresh.stderr).toMatch(/cannot reach Jellyfin/);
      const status = await runCli(["media", "status"], box.env);
      expect(status.stdout).toMatch(/cache: \d+ items, refreshed just now/);
    } finally {
      await fake.start(port);
    }
  });

  it("names a refused API key and never prints it", async () => {
    const wrong = "0123456789abcdef0123456789abcdef";
    const result = await runCli(["media", "jellyfin", "nextup"], sandbox({ JELLYFIN_API_KEY: wrong }).env);
    expect(result.code).toBe(77);
    expect(result.stderr).toMatch(/refused the credentials .*\(401\)/);
    expect(result.stderr).toMatch(/JELLYFIN_API_KEY|jellyfin login/);
    expect(result.stderr + result.stdout).not.toContain(wrong);
  });

  it("marks played and unplayed on the server", async () => {
    const box = sandbox({ JELLYFIN_API_KEY: key });
    const episode = fake.find((i) => i.Type === "Episode" && i.IndexNumber === 4);
    const played = await runCli(["media", "jellyfin", "played", episode.Id], box.env);
    expect(played.stdout).toMatch(/^Played: .* S\d\dE04 · .*\[✓\]/);
    expect(fake.userData("alice", episode.Id).Played).toBe(true);
    await runCli(["media", "jellyfin", "unplayed", episode.Id], box.env);
    expect(fake.userData("alice", episode.Id).Played).toBe(false);
  });

  it("lists a series' episodes by its name", async () => {
    const box = sandbox({ JELLYFIN_API_KEY: key });
    await runCli(["media", "refresh"], box.env);
    const series = fake.find(
      (i) =>
        i.Type === "Series" && !fake.items().some((o) => o !== i && o.Type === "Series" && o.Name === i.Name),
    );
    const result = await runCli(
      ["media", "jellyfin", "episodes", series.Name, "--season", "1", "--cached"],
      box.env,
    );
    const lines = result.stdout.trim().split("\n");
    const count = fake
      .items()
      .filter((i) => i.SeriesId === series.Id && i.Type === "Episode" && i.ParentIndexNumber === 1).length;
    expect(lines).toHaveLength(count);
    expect(lines[0]).toContain(`${series.Name} S01E01 · Pilot`);
  });
});

describe("deskhub media jellyfin lists", () => {
  it("lists Next Up, a search and the latest additions, as text and as the server's JSON", async () => {
    const box = sandbox({ JELLYFIN_API_KEY: key });
    const series = fake.find(
      (i) =>
        i.Type === "Series" && !fake.items().some((o) => o !== i && o.Type === "Series" && o.Name === i.Name),
    );
    const episode = (season: number, index: number) =>
      fake.find(
        (i) =>
          i.SeriesId === series.Id &&
          i.Type === "Episode" &&
          i.ParentIndexNumber === season &&
          i.IndexNumber === index,
      );
    Object.assign(fake.userData("alice", episode(1, 1).Id), {
      Played: true,
      PlayCount: 1,
      LastPlayedDate: new Date().toISOString(),
    });

    const nextUp = await runCli(["media", "jellyfin", "nextup"], box.env);
    expect(nextUp.code).toBe(0);
    expect(nextUp.stdout.split("\n")[0]).toBe(
      `${episode(1, 2).Id}  ${series.Name} S01E02 · ${episode(1, 2).Name}`,
    );
    const nextJson = JSON.parse(
      (await runCli(["media", "jellyfin", "nextup", "--json"], box.env)).stdout,
    ) as Array<Record<string, unknown>>;
    expect(nextJson[0]).toMatchObject({ Id: episode(1, 2).Id, SeriesId: series.Id, Type: "Episode" });

    const found = JSON.parse(
      (await runCli(["media", "jellyfin", "search", series.Name, "--json"], box.env)).stdout,
    ) as Array<Record<string, unknown>>;
    expect(found.map((item) => item.Id)).toContain(series.Id);
    expect(fake.requests.some((r) => r.path === "/Items" && r.search.includes("searchTerm="))).toBe(true);

    const added = { ...shortFilm(fake, "Fresh Off The Scanner"), DateCreated: new Date().toISOString() };
    fake.upsert(added);
    const latest = await runCli(["media", "jellyfin", "latest", "--library", "movies"], box.env);
    expect(latest.code).toBe(0);
    expect(latest.stdout.split("\n").slice(0, 2)).toEqual([
      "# Movies",
      `${added.Id}  Fresh Off The Scanner (2010)`,
    ]);
    const libraries = JSON.parse(
      (await runCli(["media", "jellyfin", "libraries", "--json"], box.env)).stdout,
    ) as Array<Record<string, unknown>>;
    expect(libraries.map((l) => [l.name, l.collectionType])).toEqual([
      ["Movies", "movies"],
      ["Shows", "tvshows"],
    ]);
  });

  it("refuses a bad --season or --limit, naming the value", async () => {
    const box = sandbox({ JELLYFIN_API_KEY: key });
    const season = await runCli(["media", "jellyfin", "episodes", "anything", "--season", "two"], box.env);
    expect(season.code).toBe(64);
    expect(season.stderr).toContain('"two" is not a whole number from 0 to 10000');
    const limit = await runCli(["media", "yt", "search", "heat", "--limit", "0"], box.env);
    expect(limit.code).toBe(64);
    expect(limit.stderr).toContain('"0" is not a whole number from 1 to 100');
  });
});

describe("deskhub media jellyfin login", () => {
  it("logs in with a password, keeps the token in a mode-600 file, and uses it", async () => {
    const box = sandbox({}, { jellyfin: { user: "alice" } });
    const login = await runCli(["media", "jellyfin", "login", "--password-stdin"], box.env, "wonderland\n");
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(
      /^Logged in to living-room \(Jellyfin 10\.11\.6\) as alice; token saved in /,
    );
    const file = join(box.dataDir, "secrets", "jellyfin_login.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = (JSON.parse(readFileSync(file, "utf8")) as { token: string }).token;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(login.stdout + login.stderr).not.toContain(token);
    const resume = await runCli(["media", "jellyfin", "resume"], box.env);
    expect(resume.code).toBe(0);
    expect(resume.stdout).toContain("Resume Me (2010)");
    expect((await runCli(["media", "jellyfin", "logout"], box.env)).code).toBe(0);
    const after = await runCli(["media", "jellyfin", "resume"], box.env);
    expect(after.code).toBe(78);
    expect(after.stderr).toMatch(/no Jellyfin credentials/);
  });

  it("says a wrong password was refused", async () => {
    const result = await runCli(
      ["media", "jellyfin", "login", "--user", "alice", "--password-stdin"],
      sandbox().env,
      "guess\n",
    );
    expect(result.code).toBe(77);
    expect(result.stderr).toMatch(/did not accept the password for "alice"/);
  });

  it("logs in with Quick Connect once the code is entered on another device", async () => {
    const box = sandbox();
    const child = spawnCli(["media", "jellyfin", "login", "--quick-connect"], box.env);
    const code = await waitFor(() => /Quick Connect code: (\d{6})/.exec(child.output())?.[1], {
      what: "the code",
      timeout: 15_000,
    });
    fake.approveQuickConnect(code, "bob");
    const exit = await child.exited;
    expect(exit).toBe(0);
    expect(child.output()).toMatch(/as bob; token saved/);
    expect((await runCli(["media", "jellyfin", "nextup"], box.env)).code).toBe(0);
  });
});

describe("deskhub media jellyfin problems", () => {
  it("says when Jellyfin is not configured", async () => {
    const box = mediaSandbox({ JELLYFIN_API_KEY: key });
    sandboxes.push(box);
    const result = await runCli(["media", "jellyfin", "resume"], box.env);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/Jellyfin is not configured\n.*media\.jellyfin\.url.*JELLYFIN_URL/);
  });

  it("works with a server newer than the SDK's typings, and says an update may be due", async () => {
    const newer = new FakeJellyfin({ library: { movies: 5, series: 1 }, version: "13.1.0" });
    const newerKey = newer.createApiKey();
    await newer.start();
    try {
      const box = mediaSandbox({ JELLYFIN_URL: newer.url, JELLYFIN_API_KEY: newerKey });
      sandboxes.push(box);
      expect((await runCli(["media", "refresh"], box.env)).code).toBe(0);
      const status = await runCli(["media", "status"], box.env);
      expect(status.stdout).toContain("(living-room 13.1.0) as alice");
      expect(status.stderr).toMatch(
        /Jellyfin 13\.1\.0 is newer than the API @jellyfin\/sdk was generated from \(13\.0\.0\)/,
      );
      const json = JSON.parse((await runCli(["media", "status", "--json"], box.env)).stdout) as {
        jellyfin: Record<string, unknown>;
      };
      expect(json.jellyfin).toMatchObject({
        server_version: "13.1.0",
        sdk_api_version: "13.0.0",
        server_support: "newer",
      });
    } finally {
      await newer.stop();
    }
  });

  it("refuses a server older than the SDK supports, naming its version", async () => {
    const old = new FakeJellyfin({ library: { movies: 5, series: 1 }, version: "10.8.13" });
    const oldKey = old.createApiKey();
    await old.start();
    try {
      const box = mediaSandbox({ JELLYFIN_URL: old.url, JELLYFIN_API_KEY: oldKey });
      sandboxes.push(box);
      const result = await runCli(["media", "jellyfin", "resume"], box.env);
      expect(result.code).toBe(69);
      expect(result.stderr).toMatch(
        /Jellyfin 10\.8\.13 at .* is older than deskhub supports \(10\.10\.0 or newer\)/,
      );
    } finally {
      await old.stop();
    }
  });
});
