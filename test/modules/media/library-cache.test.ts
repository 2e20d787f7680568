import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/core/errors.ts";
import { LibraryCache } from "../../../src/modules/media/jellyfin/cache.ts";
import { JellyfinClient } from "../../../src/modules/media/jellyfin/client.ts";
import { refreshLibrary } from "../../../src/modules/media/jellyfin/refresh.ts";
import { jellyfinId, TICKS_PER_SECOND } from "../../fixtures/jellyfin/library.ts";
import { FakeJellyfin } from "../../fixtures/jellyfin/server.ts";
import type { Sandbox } from "../../helpers/sandbox.ts";
import { mediaConfig, mediaSandbox, moduleContext } from "./helpers.ts";

let fake: FakeJellyfin;
let sandbox: Sandbox;
let cache: LibraryCache;
let client: JellyfinClient;
const options = { pageSize: 500, fullEvery: 86_400 };

beforeAll(async () => {
  fake = new FakeJellyfin({ library: { movies: 1200, series: 90 } });
  const key = fake.createApiKey();
  await fake.start();
  sandbox = mediaSandbox({ JELLYFIN_API_KEY: key });
  const ctx = await moduleContext(sandbox);
  cache = new LibraryCache(
    await ctx.openDb("media.db", (await import("../../../src/modules/media/db.ts")).MIGRATIONS),
  );
  client = await JellyfinClient.connect(ctx, mediaConfig({ jellyfin: { url: fake.url } }));
});

afterAll(async () => {
  await fake.stop();
  sandbox.cleanup();
});

const videoItems = () => fake.items().filter((i) => i.Type !== "CollectionFolder");

describe("the Jellyfin library cache", () => {
  it("starts with a full refresh that caches every movie, series, season and episode", async () => {
    expect(videoItems().length).toBeGreaterThan(3000);
    const result = await refreshLibrary(client, cache, options);
    expect(result.mode).toBe("full");
    expect(result.items).toBe(videoItems().length);
    expect(cache.state()).toMatchObject({
      serverId: fake.serverId,
      userName: "alice",
      serverVersion: "10.11.6",
    });
    const series = fake.find((i) => i.Type === "Series");
    const episodes = fake.items().filter((i) => i.Type === "Episode" && i.SeriesId === series.Id);
    expect(cache.episodes(series.Id).map((e) => e.name)).toEqual(
      episodes
        .sort((a, b) => a.ParentIndexNumber! - b.ParentIndexNumber! || a.IndexNumber! - b.IndexNumber!)
        .map((e) => e.Name),
    );
  });

  it("authenticates with the MediaBrowser Authorization header, never a token in a URL", () => {
    const authed = fake.requests.filter((r) => r.path !== "/System/Info/Public");
    expect(authed.length).toBeGreaterThan(10);
    for (const request of authed) {
      expect(request.authorization).toMatch(/^MediaBrowser .*Token="[0-9a-f]{32}"/);
      expect(request.search).not.toMatch(/api_?key|token/i);
    }
  });

  it("refreshes incrementally: only items saved since, and it sees additions, edits and deletions", async () => {
    const before = fake.requests.length;
    const movie = fake.find((i) => i.Type === "Movie");
    const added = {
      ...movie,
      Id: jellyfinId("Movie", "/media/movies/New Arrival (2025)/x.mkv"),
      Name: "New Arrival",
      SortName: "new arrival",
    };
    fake.upsert(added);
    const episode = fake.find((i) => i.Type === "Episode" && i.IndexNumber === 3);
    fake.upsert({ ...episode, Name: "Renamed By Metadata Refresh" });
    const gone = fake.items().filter((i) => i.Type === "Movie")[5]!;
    fake.remove(gone.Id);

    const result = await refreshLibrary(client, cache, options);
    expect(result.mode).toBe("incremental");
    expect(result.fetched).toBe(2);
    expect(result.removed).toBe(1);
    expect(cache.item(added.Id)?.name).toBe("New Arrival");
    expect(cache.item(episode.Id)?.name).toBe("Renamed By Metadata Refresh");
    expect(cache.item(gone.Id)).toBeUndefined();
    expect(cache.state().items).toBe(videoItems().length);
    const queries = fake.requests.slice(before).filter((r) => r.path === "/Items");
    expect(queries.some((r) => new URLSearchParams(r.search).has("minDateLastSaved"))).toBe(true);
  });

  it("picks up resume points and watched marks made on other devices", async () => {
    const movie = fake.find((i) => i.Type === "Movie" && i.Name !== "New Arrival");
    Object.assign(fake.userData("alice", movie.Id), {
      PlaybackPositionTicks: 1234 * TICKS_PER_SECOND,
      LastPlayedDate: new Date().toISOString(),
    });
    const episode = fake.find(
      (i) => i.Type === "Episode" && i.IndexNumber === 1 && i.ParentIndexNumber === 1,
    );
    Object.assign(fake.userData("alice", episode.Id), {
      Played: true,
      PlayCount: 1,
      LastPlayedDate: new Date().toISOString(),
    });

    await refreshLibrary(client, cache, options);
    expect(cache.list("resume").map((i) => [i.id, i.positionTicks])).toEqual([
      [movie.Id, 1234 * TICKS_PER_SECOND],
    ]);
    expect(cache.item(episode.Id)?.played).toBe(true);
    const next = cache.list("nextup");
    expect(next[0]).toMatchObject({ seriesId: episode.SeriesId, seasonNumber: 1, episodeNumber: 2 });

    // Finished on the TV: the resume point goes from the server, and from the cache.
    Object.assign(fake.userData("alice", movie.Id), {
      PlaybackPositionTicks: 0,
      Played: true,
      LastPlayedDate: new Date().toISOString(),
    });
    await refreshLibrary(client, cache, options);
    expect(cache.list("resume")).toEqual([]);
    expect(cache.item(movie.Id)).toMatchObject({ played: true, positionTicks: 0 });
  });

  it("keeps the last good copy when the server is down, and says it cannot reach it", async () => {
    const state = cache.state();
    await fake.stop();
    const error = await refreshLibrary(client, cache, options).catch((e: unknown) => e);
    await fake.start(Number(new URL(fake.url).port));
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(
      /cannot reach Jellyfin at http:\/\/127\.0\.0\.1:\d+ .*\(ECONN(REFUSED|RESET)\)/,
    );
    expect(cache.state()).toEqual(state);
    expect(cache.search("new arrival")[0]?.name).toBe("New Arrival");
  });

  it("searches offline by name, series and year", () => {
    const series = fake.find((i) => i.Type === "Series");
    const found = cache.search(series.Name);
    expect(found[0]).toMatchObject({ type: "Series", name: series.Name });
    const movie = fake.find((i) => i.Type === "Movie" && i.Name.split(" ").length >= 2);
    const words = `${movie.Name.split(" ").at(-1)} ${movie.ProductionYear}`;
    expect(cache.search(words).map((i) => i.id)).toContain(movie.Id);
  });

  it("keeps copies beside the library's menu lines only while the lines are the ones they were made from", async () => {
    const build = (items: Array<{ id: string }>) => Buffer.from(items.map((item) => item.id).join("\n"));
    const kept = () =>
      (cache.db.prepare("SELECT name FROM jf_menu ORDER BY rowid").all() as Array<{ name: string }>).map(
        (row) => row.name,
      );
    const lines = cache.playableLines("rows@test", build);
    expect(cache.playableLines("rows@test", () => Buffer.from("rebuilt"))).toEqual(lines);

    cache.keepBesideLines("menu:a", Buffer.from("menu a"), "rows@test", lines);
    // Made from lines that a change has replaced since: not kept.
    cache.keepBesideLines("menu:b", Buffer.from("menu b"), "rows@test", Buffer.from("older lines"));
    expect(kept()).toEqual(["rows@test", "menu:a"]);
    for (const name of ["menu:c", "menu:d", "menu:a"]) {
      cache.keepBesideLines(name, Buffer.from(name), "rows@test", lines);
    }
    expect(kept()).toEqual(["rows@test", "menu:c", "menu:d", "menu:a"]);
    cache.keepBesideLines("menu:e", Buffer.from("menu e"), "rows@test", lines);
    expect(kept()).toEqual(["rows@test", "menu:d", "menu:a", "menu:e"]);

    // A watched mark from elsewhere changes a line: every copy goes with the lines.
    const movie = fake.find((i) => i.Type === "Movie" && !fake.userData("alice", i.Id).Played);
    Object.assign(fake.userData("alice", movie.Id), {
      Played: true,
      LastPlayedDate: new Date().toISOString(),
    });
    await refreshLibrary(client, cache, options);
    expect(kept()).toEqual([]);
  });
});
