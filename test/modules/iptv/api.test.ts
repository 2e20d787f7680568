import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, get, type Harness, LINE2, MAIN, startHarness } from "./harness.ts";

type Item = Record<string, unknown>;

let h: Harness;
const alice = (params: Record<string, string> = {}, base = h.full) =>
  api(base, "alice", "alice-pass-1", params);
const bob = (params: Record<string, string> = {}, base = h.full) => api(base, "bob", "bob-pass-22", params);
const json = async (url: string) => {
  const answer = await get(url);
  expect(answer.status, answer.text).toBe(200);
  return JSON.parse(answer.text) as unknown;
};
const names = (list: unknown) => (list as Item[]).map((item) => item.name);

beforeAll(async () => {
  h = await startHarness({
    provider: { xmltv: { gzip: "body", extraChannels: 30, programmesPerChannel: 12 } },
    // A short ceiling on the wait after failed logins keeps the throttle test quick.
    iptv: { security: { failed_login_max_delay: "600ms" } },
  });
});
afterAll(async () => {
  await h?.stop();
});

describe("login", () => {
  it("answers as the proxy user, with this listener's own address, port and protocol", async () => {
    const answer = (await json(alice())) as { user_info: Item; server_info: Item };
    expect(answer.user_info).toMatchObject({
      username: "alice",
      password: "alice-pass-1",
      auth: 1,
      status: "Active",
    });
    // Each number keeps the type the provider gave it: max_connections came as a string,
    // active_cons and auth as numbers, the ports as strings, timestamp_now as a number.
    expect(answer.user_info.max_connections).toBe("2");
    expect(answer.user_info.active_cons).toBe(0);
    expect(answer.user_info.auth).toBe(1);
    expect(typeof answer.server_info.timestamp_now).toBe("number");
    expect(answer.server_info.https_port).toBe(answer.server_info.port);
    expect(answer.user_info.exp_date).toBe("1767542400");
    const port = new URL(h.full).port;
    expect(answer.server_info).toMatchObject({
      url: "127.0.0.1",
      port,
      server_protocol: "http",
      timezone: "UTC",
    });
    // A field deskhub does not know passes through.
    expect(answer.server_info.xui).toBe(true);
    const mini = (await json(alice({}, h.mini))) as { server_info: Item };
    expect(mini.server_info.port).toBe(new URL(h.mini).port);
  });

  it("takes a POSTed form like the query string", async () => {
    const answer = await get(`${h.full}/player_api.php`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "username=alice&password=alice-pass-1&action=get_live_categories",
    });
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.text) as Item[]).length).toBeGreaterThan(0);
  });

  it("refuses a wrong or missing password with 401 and auth 0, and an upstream account's credentials too", async () => {
    for (const url of [
      api(h.full, "alice", "wrong"),
      api(h.full, "nobody", "alice-pass-1"),
      `${h.full}/player_api.php`,
      api(h.full, MAIN.username, MAIN.password),
    ]) {
      const answer = await get(url);
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.text)).toMatchObject({ user_info: { auth: 0 } });
    }
  });

  it("answers an unknown action with the login answer, as panels do", async () => {
    expect(await json(alice({ action: "get_everything" }))).toMatchObject({
      user_info: { username: "alice" },
    });
  });
});

describe("catalogue", () => {
  it("passes the provider's JSON through patched, not re-typed: strings stay strings, unknown fields stay", async () => {
    const streams = (await json(alice({ action: "get_live_streams" }))) as Item[];
    const byName = new Map(streams.map((s) => [s.name, s]));
    expect(byName.get("News 24/7")).toMatchObject({
      stream_id: 1,
      num: 1,
      tv_archive: 0,
      added: "1735884153",
    });
    expect(byName.get("Sports HD")).toMatchObject({ stream_id: "2", num: "2" });
    expect(byName.get("Kids Cartoon TV")).toMatchObject({
      num: "6",
      category_id: null,
      category_ids: [3, 4],
      x_panel_rating: { stars: 4, votes: "12" },
    });
    // direct_source and anything else pointing at the panel are gone; artwork comes through the proxy.
    expect(byName.get("Football Extra HD")?.direct_source).toBe("");
    expect(byName.get("News 24/7")?.url).toBe("");
    for (const stream of streams)
      expect(String(stream.stream_icon)).toMatch(new RegExp(`^${h.full}/img/[A-Za-z0-9_-]+\\.png$`));
  });

  it("filters every list by category_id, counting streams filed under several categories", async () => {
    expect(names(await json(alice({ action: "get_live_streams", category_id: "3" })))).toEqual([
      "Entertainment",
      "Kids Cartoon TV",
    ]);
    expect(names(await json(alice({ action: "get_live_streams", category_id: "999" })))).toEqual([]);
    expect((await get(alice({ action: "get_live_streams", category_id: "1 OR 1=1" }))).status).toBe(400);
    expect(names(await json(alice({ action: "get_vod_streams", category_id: "2" })))).toEqual([
      "The Last Stand (2023)",
    ]);
    expect(names(await json(alice({ action: "get_series", category_id: "2" })))).toEqual([
      "Small Town Stories (2025)",
    ]);
    expect(await json(alice({ action: "get_vod_categories", category_id: "2" }))).toEqual([
      { category_id: "2", category_name: "News", parent_id: 0 },
    ]);
    // A category the person may not see lists nothing, even asked for by id.
    expect(await json(bob({ action: "get_vod_streams", category_id: "6" }))).toEqual([]);
    expect(await json(bob({ action: "get_live_streams", category_id: "1" }))).toEqual([]);
    expect(await json(bob({ action: "get_live_categories", category_id: "1" }))).toEqual([]);
  });

  it("shows each person what their profile allows: bob's hides adult content and sports, and renames a category", async () => {
    const categories = (await json(bob({ action: "get_live_categories" }))) as Item[];
    expect(categories.map((c) => c.category_name)).toEqual(["News", "Cartoons", "Documentaries", "Football"]);
    // The renamed category keeps its other fields as they came.
    expect(categories.find((c) => c.category_name === "Cartoons")).toEqual({
      category_id: "3",
      category_name: "Cartoons",
      parent_id: 0,
    });
    expect(names(await json(bob({ action: "get_live_streams" })))).toEqual([
      "Entertainment",
      "Documentaries",
      "Kids Cartoon TV",
      "Football Extra HD",
    ]);
    expect(names(await json(bob({ action: "get_vod_streams" })))).toEqual([
      "Summer Adventure (2024)",
      "The Last Stand (2023)",
    ]);
    expect(names(await json(alice({ action: "get_vod_streams" })))).toContain("Adult Movie (2020)");
  });

  it("applies the listener's profile too: the mini listener has live TV only, without adult channels", async () => {
    expect(await json(alice({ action: "get_vod_streams" }, h.mini))).toEqual([]);
    expect(await json(alice({ action: "get_series_categories" }, h.mini))).toEqual([]);
    const live = names(await json(alice({ action: "get_live_streams" }, h.mini)));
    expect(live).toContain("News 24/7");
    expect(live).not.toContain("Late Night XXX");
  });

  it("gives movie and series details only for what the person may see, artwork proxied", async () => {
    const movie = (await json(alice({ action: "get_vod_info", vod_id: "935703" }))) as {
      info: Item;
      movie_data: Item;
      url: string;
    };
    expect(movie.movie_data.stream_id).toBe(935703);
    expect(movie.movie_data.direct_source).toBe("");
    expect(movie.url).toBe("");
    expect(movie.info.tmdb_id).toBe(123456);
    expect(String(movie.info.movie_image)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/img\//);
    expect((movie.info.backdrop_path as string[])[0]).toMatch(/\/img\/[A-Za-z0-9_-]+\.jpg$/);
    expect(await json(bob({ action: "get_vod_info", vod_id: "935705" }))).toEqual([]);
    const series = (await json(alice({ action: "get_series_info", series_id: "16083" }))) as {
      episodes: Record<string, Item[]>;
    };
    expect(series.episodes["1"]?.map((e) => e.id)).toEqual(["935666", "935727"]);
    expect((await get(alice({ action: "get_vod_info" }))).status).toBe(400);
  });

  it("serves the short EPG and the data table for visible channels, nothing for hidden ones", async () => {
    const epg = (await json(alice({ action: "get_short_epg", stream_id: "1", limit: "4" }))) as {
      epg_listings: Item[];
    };
    expect(epg.epg_listings).toHaveLength(4);
    expect(epg.epg_listings[0]).toMatchObject({
      title: "ZmFrZSBwcm9ncmFtbWU=",
      start_timestamp: "1741010222",
    });
    expect(await json(bob({ action: "get_short_epg", stream_id: "1" }))).toEqual({ epg_listings: [] });
    const table = (await json(alice({ action: "get_simple_data_table", stream_id: "2" }))) as {
      epg_listings: Item[];
    };
    expect(table.epg_listings.length).toBe(10);
  });

  it("serves artwork through the proxy and refuses a forged image link", async () => {
    const streams = (await json(alice({ action: "get_live_streams" }))) as Item[];
    for (const icon of streams.slice(0, 4).map((s) => String(s.stream_icon))) {
      const image = await get(icon);
      expect(image.status).toBe(200);
      expect(image.headers["content-type"]).toBe("image/png");
      expect(image.body.subarray(1, 4).toString()).toBe("PNG");
    }
    const forged = await get(`${h.full}/img/${"A".repeat(60)}.png`);
    expect(forged.status).toBe(404);
  });
});

describe("get.php and xmltv.php", () => {
  it("streams an m3u_plus playlist with CRLF line ends and the attributes players read", async () => {
    const answer = await get(`${h.full}/get.php?username=bob&password=bob-pass-22&type=m3u_plus&output=ts`);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/mpegurl/);
    const lines = answer.text.split("\r\n");
    expect(answer.text.replaceAll("\r\n", "")).not.toContain("\n");
    expect(lines[0]).toBe("#EXTM3U");
    expect(lines[1]).toMatch(
      new RegExp(
        `^#EXTINF:-1 tvg-id="C679.264.ersatztv.org" tvg-name="Entertainment" tvg-logo="${h.full}/img/[A-Za-z0-9_-]+.png" group-title="Cartoons",Entertainment$`,
      ),
    );
    expect(lines[2]).toBe(`${h.full}/live/bob/bob-pass-22/3.ts`);
    expect(lines.filter((l) => l.startsWith("#EXTINF"))).toHaveLength(6);
    expect(lines).toContain(`${h.full}/movie/bob/bob-pass-22/935703.mp4`);
    const plain = await get(`${h.full}/get.php?username=bob&password=bob-pass-22&type=m3u&output=m3u8`);
    expect(plain.text.split("\r\n").slice(1, 3)).toEqual([
      "#EXTINF:-1,Entertainment",
      `${h.full}/live/bob/bob-pass-22/3.m3u8`,
    ]);
    expect((await get(`${h.full}/get.php?username=bob&password=bob-pass-22&type=xspf`)).status).toBe(400);
    expect((await get(`${h.full}/get.php?username=bob&password=nope`)).status).toBe(401);
  });

  it("cuts the provider's gzipped guide down to the person's channels, gzipping for clients that ask", async () => {
    const plain = await get(`${h.full}/xmltv.php?username=bob&password=bob-pass-22`);
    expect(plain.status).toBe(200);
    const ids = [...plain.text.matchAll(/<channel id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual([
      "C679.264.ersatztv.org",
      "C679.265.ersatztv.org",
      "kids.cartoon.example",
      "football.extra.example",
    ]);
    const programmes = [...plain.text.matchAll(/<programme [^>]*channel="([^"]+)"/g)].map((m) => m[1]);
    expect(programmes).toHaveLength(4 * 12);
    expect(plain.text).not.toContain("127.0.0.2");
    const zipped = await get(`${h.full}/xmltv.php?username=alice&password=alice-pass-1`, {
      headers: { "accept-encoding": "gzip" },
    });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    const text = gunzipSync(zipped.body).toString("utf8");
    expect([...text.matchAll(/<channel id=/g)]).toHaveLength(7);
  });
});

describe("running without a restart", () => {
  it("applies a profile change made in config.yaml while it runs", async () => {
    const before = names(await json(bob({ action: "get_live_streams" })));
    expect(before).toContain("Football Extra HD");
    const section = structuredClone(h.section) as { profiles: { kids: { live: Record<string, unknown> } } };
    section.profiles.kids.live.exclude_streams = ["football"];
    h.writeConfig(section);
    await expect
      .poll(async () => names(await json(bob({ action: "get_live_streams" }))), {
        timeout: 5000,
        interval: 100,
      })
      .toEqual(["Entertainment", "Documentaries", "Kids Cartoon TV"]);
    h.writeConfig({ ...section, users: { nonsense: "not a user" } });
    await new Promise((r) => setTimeout(r, 600));
    expect(h.logs()).toContain("iptv config change ignored");
    expect(names(await json(bob({ action: "get_live_streams" })))).toHaveLength(3);
    h.writeConfig(h.section);
    await expect
      .poll(async () => names(await json(bob({ action: "get_live_streams" }))).length, { timeout: 5000 })
      .toBe(4);
  });

  it("keeps answering from the cached catalogue while the provider is down, and says so", async () => {
    h.provider.setOutage("down");
    try {
      const result = (await h.runtime.store.run("iptv.refresh", {}, "test")) as {
        ok: boolean;
        kinds: Array<{ error?: string }>;
      };
      expect(result.ok).toBe(false);
      expect(result.kinds[0]?.error).toMatch(/cannot be reached/);
      expect(names(await json(alice({ action: "get_live_streams" })))).toHaveLength(7);
      const cached = (await json(alice({ action: "get_short_epg", stream_id: "1", limit: "4" }))) as {
        epg_listings: Item[];
      };
      expect(cached.epg_listings).toHaveLength(4);
      const uncached = await get(alice({ action: "get_short_epg", stream_id: "4" }));
      expect(uncached.status).toBe(502);
      expect(JSON.parse(uncached.text)).toEqual({
        error: expect.stringMatching(/^the provider cannot be reached \(E[A-Z]+\)$/),
      });
      expect(h.runtime.store.get("iptv.catalogue_age")?.state?.attributes.error).toMatch(/cannot be reached/);
    } finally {
      h.provider.setOutage("none");
    }
    const back = (await h.runtime.store.run("iptv.refresh", {}, "test")) as { ok: boolean };
    expect(back.ok).toBe(true);
  });

  it("slows down an address that keeps getting the password wrong", async () => {
    const throttle = h.running.proxy.throttle;
    // Three failures are free (the default); from the fifth attempt on, answers are held back.
    for (let i = 0; i < 4; i++) expect((await get(api(h.mini, "alice", `guess-${i}`))).status).toBe(401);
    expect(throttle.delayMs("127.0.0.1")).toBe(250);
    const started = Date.now();
    expect((await get(api(h.mini, "alice", "guess-4"))).status).toBe(401);
    expect((await get(api(h.mini, "alice", "guess-5"))).status).toBe(401);
    // The two answers were held back 250 and 500 ms (the ceiling is 600 ms here): the slowing down is what is tested.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250 + 500);
    expect(throttle.delayMs("127.0.0.1")).toBe(600);
    // Guesses sent all at once take turns, a full wait apart; past four waiting the rest are
    // refused unchecked with 429, in the form each endpoint speaks.
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        get(i % 2 ? api(h.mini, "alice", `burst-${i}`) : `${h.mini}/live/alice/burst-${i}/1.ts`),
      ),
    );
    const statuses = burst.map((a) => a.status);
    expect(statuses.filter((status) => status === 401).length).toBeGreaterThanOrEqual(4);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
    for (const refused of burst.filter((a) => a.status === 429)) {
      expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      const message = String(refused.headers["content-type"]).startsWith("application/json")
        ? (JSON.parse(refused.text) as { user_info: { auth: number; message: string } }).user_info
        : { auth: 0, message: refused.text };
      expect(message).toMatchObject({
        auth: 0,
        message: expect.stringMatching(/^too many failed logins from this address; wait \d+ s/),
      });
    }
    // The right password goes through (after its wait) and clears the address.
    expect((await get(alice({}, h.mini))).status).toBe(200);
    expect(throttle.delayMs("127.0.0.1")).toBe(0);
  });

  it("publishes lines, users and catalogue age as entities", async () => {
    const store = h.runtime.store;
    expect(store.value("iptv.line_main_limit")).toBe(MAIN.maxConnections);
    expect(store.value("iptv.line_bob_limit")).toBe(LINE2.maxConnections);
    expect(store.value("iptv.user_alice_streams")).toBe(0);
    expect(store.value("iptv.catalogue_age")).toBe(0);
    expect(store.get("iptv.refresh")?.command).toBe("iptv.refresh");
  });
});
