import http from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, get, type Harness, startHarness } from "./harness.ts";

let h: Harness;

beforeAll(async () => {
  // Failed logins are slowed down by design; a short ceiling keeps a thousand of them quick.
  h = await startHarness({ iptv: { security: { failed_login_free: 3, failed_login_max_delay: "40ms" } } });
  await h.running.proxy.catalogue.ready();
});
afterAll(async () => {
  await h?.stop();
});

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

function cases(count: number, seed: number): Case[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const junk = () =>
    pick([
      "",
      "%",
      "%zz",
      "%00",
      "%ff%fe",
      "..",
      "../../etc/passwd",
      "%2e%2e%2f",
      "a".repeat(300),
      "<script>",
      "' OR 1=1 --",
      "-1",
      "1e309",
      "0x10",
      "NaN",
      "🙂",
      "x.ts.m3u8",
      "1.",
      ".ts",
      "1.toolongext",
      "\u0000",
    ]);
  const users = ["alice", "bob", "", "ALICE", "alice ", "nobody", "a".repeat(400)];
  const passwords = ["alice-pass-1", "bob-pass-22", "", "wrong", "x".repeat(300)];
  const actions = [
    "",
    "get_live_streams",
    "get_vod_info",
    "get_series_info",
    "get_short_epg",
    "get_simple_data_table",
    "get_live_categories",
    "GET_LIVE_STREAMS",
    "get_vod_info\u0000",
    "../../action",
    "x".repeat(2000),
  ];
  const templates: Array<() => Case> = [
    () => ({
      method: "GET",
      path: `/player_api.php?${new URLSearchParams({
        username: pick(users),
        password: pick(passwords),
        action: pick(actions),
        [pick(["category_id", "vod_id", "series_id", "stream_id", "limit"])]: junk(),
      })}`,
    }),
    () => ({
      method: "GET",
      path: `/${pick(["live", "movie", "series"])}/${pick(users)}/${pick(passwords)}/${junk()}`,
    }),
    () => ({
      method: pick(["GET", "HEAD"]),
      path: `/live/alice/alice-pass-1/${pick(["1", "2", "99", junk()])}.${pick(["ts", "m3u8", "mp4", "", junk()])}`,
    }),
    () => ({ method: "GET", path: `/${junk()}/${junk()}/${junk()}` }),
    () => ({ method: "GET", path: `/timeshift/alice/alice-pass-1/${junk()}/${junk()}/1.ts` }),
    () => ({
      method: "GET",
      path: `/streaming/timeshift.php?username=alice&password=alice-pass-1&stream=${encodeURIComponent(junk())}&start=${encodeURIComponent(junk())}&duration=${encodeURIComponent(junk())}`,
    }),
    () => ({
      method: "GET",
      path: `/get.php?username=${pick(users)}&password=${pick(passwords)}&type=${pick(["m3u", "m3u_plus", "xspf", junk()])}&output=${pick(["ts", "hls", junk()])}`,
    }),
    () => ({
      method: "GET",
      path: `/${pick(["hls", "img"])}/${pick(["A".repeat(40), junk(), "B".repeat(5000), "C".repeat(30)])}/${junk()}`,
    }),
    () => ({
      method: "GET",
      path: `/player_api.php?username=alice&password=alice-pass-1&${"q=".concat("z".repeat(Math.floor(random() * 12_000)))}`,
    }),
    () => ({ method: "GET", path: `/player_api.php?${"k=v&".repeat(5000)}` }),
    () => ({
      method: pick(["PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "PROPFIND"]),
      path: pick(["/player_api.php", "/live/alice/alice-pass-1/1.ts", `/${junk()}`]),
    }),
    () => ({
      method: "POST",
      path: pick(["/player_api.php", "/get.php", "/live/alice/alice-pass-1/1.ts"]),
      headers: {
        "content-type": pick(["application/x-www-form-urlencoded", "application/json", "text/plain"]),
      },
      body: pick([
        "username=alice&password=alice-pass-1",
        `username=alice&password=${"p".repeat(70_000)}`,
        "{}",
        junk(),
      ]),
    }),
    () => ({
      method: "GET",
      path: "/player_api.php?username=alice&password=alice-pass-1",
      headers: { host: pick(["", "evil.example:99999", "[::1", "a b", "x".repeat(300)]) },
    }),
    () => ({ method: "GET", path: `//player_api.php/${junk()}` }),
  ];
  return Array.from({ length: count }, () => pick(templates)());
}

/** Sends a request as bytes, so paths and headers go out exactly as written; reads until the server closes. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => (text += chunk));
    socket.on("close", () => resolve(text));
    socket.on("error", () => resolve(text));
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

const CLEAR = new Set([
  200, 206, 400, 401, 403, 404, 405, 408, 409, 410, 413, 414, 415, 416, 429, 431, 502, 503, 504,
]);

describe("bad input", () => {
  it("answers a thousand malformed requests each with a clear status, and stays up", async () => {
    const port = Number(new URL(h.full).port);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const results: Array<{ c: Case; status: number; body: string }> = [];
    const all = cases(1000, 20250303);
    let next = 0;
    const worker = async () => {
      while (next < all.length) {
        const c = all[next++]!;
        const head = `${c.method} ${c.path} HTTP/1.1\r\nhost: ${c.headers?.host ?? `127.0.0.1:${port}`}\r\nuser-agent: fuzz\r\n${Object.entries(
          c.headers ?? {},
        )
          .filter(([k]) => k !== "host")
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join(
            "",
          )}${c.body !== undefined ? `content-length: ${Buffer.byteLength(c.body)}\r\n` : ""}connection: close\r\n\r\n`;
        const text = await raw(port, head + (c.body ?? ""));
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
        results.push({ c, status, body: text.split("\r\n\r\n").slice(1).join("\r\n\r\n") });
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    agent.destroy();
    expect(results).toHaveLength(1000);
    const unclear = results.filter((r) => !CLEAR.has(r.status));
    expect(unclear.map((r) => `${r.status} ${r.c.method} ${r.c.path.slice(0, 80)}`)).toEqual([]);
    // Every refusal says what was wrong.
    const silent = results.filter(
      (r) => r.status >= 400 && r.c.method !== "HEAD" && r.body.trim().length < 5,
    );
    expect(silent.map((r) => `${r.status} ${r.c.method} ${r.c.path.slice(0, 80)}`)).toEqual([]);
    const statuses = new Set(results.map((r) => r.status));
    for (const expected of [200, 400, 401, 404, 405, 413, 431]) expect(statuses).toContain(expected);
    expect(h.logs()).not.toMatch(/"level":50/);
    // Still serving.
    expect((await get(api(h.full, "alice", "alice-pass-1"))).status).toBe(200);
  }, 60_000);

  it("answers requests that are not HTTP with 400 and keeps serving", async () => {
    const port = Number(new URL(h.full).port);
    const junk = [
      "GARBAGE\r\n\r\n",
      "GET /player_api.php HTTP/9.9\r\n\r\n",
      "GET /player_api.php HTTP/1.1\r\nno-colon-here\r\n\r\n",
      "GET /live/alice/alice-pass-1/1.ts\u0000 HTTP/1.1\r\n\r\n",
      `GET /${"x".repeat(20_000)} HTTP/1.1\r\nhost: a\r\n\r\n`,
      "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003",
    ];
    for (const request of junk) {
      const answer = await raw(port, request);
      expect(answer).toMatch(/^HTTP\/1\.1 (400|431) /);
    }
    expect((await get(api(h.full, "bob", "bob-pass-22"))).status).toBe(200);
  });
});
