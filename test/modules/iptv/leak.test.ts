import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionsFile } from "../../../src/modules/iptv/sessions-file.ts";
import { type Media, makeMedia } from "../../fixtures/iptv/media.ts";
import { api, get, type Harness, LINE2, MAIN, peek, startHarness, watch } from "./harness.ts";

let media: Media;
let h: Harness;

/** Everything a client got back: status line, headers and body, by the URL asked. */
const seen: Array<{ url: string; text: string }> = [];

async function fetch(url: string, init: Parameters<typeof get>[1] = {}): Promise<string> {
  const answer = await get(url, init);
  const body = answer.headers["content-encoding"] === "gzip" ? gunzipSync(answer.body) : answer.body;
  const text = `${answer.status}\n${JSON.stringify(answer.headers)}\n${body.toString("latin1")}`;
  seen.push({ url, text });
  return body.toString("utf8");
}

async function fetchStart(url: string, bytes = 65_536): Promise<void> {
  const answer = await peek(url, bytes);
  seen.push({
    url,
    text: `${answer.status}\n${JSON.stringify(answer.headers)}\n${answer.body.toString("latin1")}`,
  });
}

function links(text: string, base: string): string[] {
  const escaped = base.replaceAll(".", "\\.");
  return [...text.matchAll(new RegExp(`${escaped}/[^"\\s\\\\]+`, "g"))].map((m) => m[0]);
}

beforeAll(async () => {
  media = await makeMedia();
  h = await startHarness({
    media,
    provider: { releaseLagMs: 0, xmltv: { gzip: "encoding", extraChannels: 10, programmesPerChannel: 4 } },
    iptv: { streams: { hls_idle: "1s" }, security: { failed_login_max_delay: "300ms" } },
  });
  await h.running.proxy.catalogue.ready();
});
afterAll(async () => {
  await h?.stop();
  media?.cleanup();
});

describe("the leak test", () => {
  it("never shows a client, or the log, the provider's hosts or any upstream username or password", async () => {
    const users = [
      { name: "alice", pass: "alice-pass-1" },
      { name: "bob", pass: "bob-pass-22" },
    ];
    for (const base of [h.full, h.mini]) {
      for (const { name, pass } of users) {
        const call = (params: Record<string, string> = {}) => fetch(api(base, name, pass, params));
        await call();
        await call({ action: "no_such_action" });
        const categories: Record<string, Array<{ category_id: unknown }>> = {};
        for (const [kind, action] of [
          ["live", "get_live_categories"],
          ["vod", "get_vod_categories"],
          ["series", "get_series_categories"],
        ] as const) {
          categories[kind] = JSON.parse(await call({ action })) as Array<{ category_id: unknown }>;
        }
        const live = JSON.parse(await call({ action: "get_live_streams" })) as Array<{ stream_id: unknown }>;
        const vod = JSON.parse(await call({ action: "get_vod_streams" })) as Array<{
          stream_id: unknown;
          container_extension: string;
        }>;
        const series = JSON.parse(await call({ action: "get_series" })) as Array<{ series_id: unknown }>;
        for (const c of categories.live ?? [])
          await call({ action: "get_live_streams", category_id: String(c.category_id) });
        for (const c of categories.vod ?? [])
          await call({ action: "get_vod_streams", category_id: String(c.category_id) });
        for (const c of categories.series ?? [])
          await call({ action: "get_series", category_id: String(c.category_id) });
        for (const s of live) {
          await call({ action: "get_short_epg", stream_id: String(s.stream_id) });
          await call({ action: "get_simple_data_table", stream_id: String(s.stream_id) });
        }
        for (const m of vod) await call({ action: "get_vod_info", vod_id: String(m.stream_id) });
        const episodes: string[] = [];
        for (const s of series) {
          const info = JSON.parse(
            await call({ action: "get_series_info", series_id: String(s.series_id) }),
          ) as {
            episodes?: Record<string, Array<{ id: string }>>;
          };
          for (const season of Object.values(info.episodes ?? {})) episodes.push(...season.map((e) => e.id));
        }
        for (const type of ["m3u", "m3u_plus"]) {
          for (const output of ["ts", "m3u8"])
            await fetch(`${base}/get.php?username=${name}&password=${pass}&type=${type}&output=${output}`);
        }
        await fetch(`${base}/xmltv.php?username=${name}&password=${pass}`);
        await fetch(`${base}/xmltv.php?username=${name}&password=${pass}`, {
          headers: { "accept-encoding": "gzip" },
        });

        for (const s of live) {
          const id = String(s.stream_id);
          await fetchStart(`${base}/live/${name}/${pass}/${id}.ts`);
          await fetch(`${base}/live/${name}/${pass}/${id}.ts`, { method: "HEAD" });
          await fetchStart(`${base}/${name}/${pass}/${id}`);
          await fetchStart(`${base}/timeshift/${name}/${pass}/30/2025-03-03:13-57/${id}.ts`, 4096);
          await fetchStart(
            `${base}/streaming/timeshift.php?username=${name}&password=${pass}&stream=${id}&start=2025-03-03:13-57&duration=30`,
            4096,
          );
          // HLS: the playlist, every playlist it names, and the start of every segment and key.
          const queue = [`${base}/live/${name}/${pass}/${id}.m3u8`];
          while (queue.length) {
            const url = queue.shift()!;
            if (/\/index\.m3u8$|\.m3u8$/.test(url)) {
              const text = await fetch(url);
              queue.push(
                ...text.split("\n").filter((l) => l.startsWith("http")),
                ...[...text.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!),
              );
            } else await fetchStart(url, 4096);
          }
        }
        for (const m of vod) {
          await fetch(`${base}/movie/${name}/${pass}/${String(m.stream_id)}.${m.container_extension}`, {
            method: "HEAD",
          });
          await fetch(`${base}/movie/${name}/${pass}/${String(m.stream_id)}.${m.container_extension}`, {
            headers: { range: "bytes=0-2047" },
          });
        }
        for (const e of episodes)
          await fetch(`${base}/series/${name}/${pass}/${e}.mp4`, { headers: { range: "bytes=100-199" } });
        // Errors: wrong password, hidden or unknown ids, forged links, bad addresses.
        await fetch(api(base, name, "wrong-password"));
        await fetch(`${base}/live/${name}/wrong/1.ts`);
        await fetch(`${base}/live/${name}/${pass}/424242.ts`);
        await fetch(`${base}/movie/${name}/${pass}/935705.mp4`);
        await fetch(api(base, name, pass, { action: "get_vod_info", vod_id: "1" }));
        await fetch(`${base}/hls/${"x".repeat(40)}/index.m3u8`);
        await fetch(`${base}/img/${"y".repeat(40)}.png`);
        await fetch(`${base}/nothing/here`);
        await fetch(`${base}/player_api.php`, { method: "DELETE" });
        await fetch(`${base}/player_api.php`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: `username=${name}&password=${pass}&action=get_live_categories`,
        });
      }
    }
    // A burst of wrong guesses: the ones held back answer 401, the rest 429.
    for (let i = 0; i < 4; i++) await fetch(api(h.mini, "alice", `guess-${i}`));
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 2 ? fetch(api(h.mini, "bob", `burst-${i}`)) : fetch(`${h.mini}/live/bob/burst-${i}/3.ts`),
      ),
    );

    // What the proxy tells the rest of deskhub while people watch: entities, the sessions
    // file and the sessions command (the dashboard's and `deskhub iptv sessions`' source).
    const tv = await watch(`${h.full}/live/alice/alice-pass-1/1.ts`);
    const kids = await watch(`${h.mini}/live/bob/bob-pass-22/3.ts`);
    await fetch(`${h.full}/live/alice/alice-pass-1/2.m3u8`);
    const file = sessionsFile(h.runtime.paths);
    await expect
      .poll(() => (JSON.parse(readFileSync(file, "utf8")) as { streams: unknown[] }).streams.length, {
        timeout: 5000,
      })
      .toBe(3);
    seen.push({ url: "sessions file", text: readFileSync(file, "utf8") });
    seen.push({
      url: "iptv.sessions command",
      text: JSON.stringify(await h.runtime.store.run("iptv.sessions", {}, "test")),
    });
    tv.close();
    kids.close();
    // Every image any answer pointed at.
    const images = new Set(
      seen
        .flatMap((s) => [...links(s.text, h.full), ...links(s.text, h.mini)])
        .filter((u) => u.includes("/img/")),
    );
    expect(images.size).toBeGreaterThan(10);
    for (const url of images) await fetch(url);

    // And while the provider is away: refusals, timeouts, stale answers.
    h.provider.setOutage("down");
    await fetch(api(h.full, "alice", "alice-pass-1", { action: "get_live_streams" }));
    await fetch(
      api(h.full, "alice", "alice-pass-1", { action: "get_short_epg", stream_id: "7", limit: "99" }),
    );
    await fetch(`${h.full}/live/alice/alice-pass-1/1.ts`);
    await fetch(`${h.full}/movie/alice/alice-pass-1/935703.mp4`);
    await fetch(`${h.full}/live/alice/alice-pass-1/1.m3u8`);
    await h.runtime.store.run("iptv.refresh", {}, "test");
    h.provider.setOutage("error");
    await fetch(`${h.full}/movie/alice/alice-pass-1/935704.mp4`);
    await fetch([...images][0]!);
    h.provider.setOutage("none");
    seen.push({ url: "entities", text: JSON.stringify(h.runtime.store.entities()) });

    expect(seen.length).toBeGreaterThan(400);
    const statuses = new Set(seen.map((s) => Number(s.text.split("\n")[0])));
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 206, 401, 403, 404, 405, 429, 502]));
    // Never a redirect: the provider's are followed inside the proxy.
    expect([...statuses].filter((status) => status >= 300 && status < 400)).toEqual([]);

    const host = (url: string) => new URL(url).host;
    const needles = [
      host(h.provider.url),
      host(h.provider.cdnUrl),
      new URL(h.provider.url).hostname,
      new URL(h.provider.cdnUrl).hostname,
      MAIN.username,
      MAIN.password,
      LINE2.username,
      LINE2.password,
    ];
    const leaks = seen.flatMap((s) =>
      needles.filter((n) => s.text.includes(n)).map((n) => `${n} in ${s.url}`),
    );
    expect(leaks).toEqual([]);
    const log = h.logs();
    expect(log.length).toBeGreaterThan(10_000);
    expect(needles.filter((n) => log.includes(n))).toEqual([]);
  }, 120_000);
});
