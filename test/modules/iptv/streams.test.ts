import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Store } from "../../../src/core/store.ts";
import { IptvEntities } from "../../../src/modules/iptv/entities.ts";
import { type Media, makeMedia } from "../../fixtures/iptv/media.ts";
import {
  api,
  get,
  type Harness,
  LINE2,
  MAIN,
  watch as open,
  peek,
  startHarness,
  type Watcher,
} from "./harness.ts";

const run = promisify(execFile);

/** Every stream a test opens is closed after it, whatever the test's outcome. */
const watchers: Watcher[] = [];
async function watch(url: string, userAgent?: string): Promise<Watcher> {
  const watcher = await open(url, userAgent);
  watchers.push(watcher);
  return watcher;
}

let media: Media;
let h: Harness;
const aliceLive = (id: string, ext = "ts", base = h.full) => `${base}/live/alice/alice-pass-1/${id}.${ext}`;
const bobLive = (id: string) => `${h.full}/live/bob/bob-pass-22/${id}.ts`;
const carolLive = (id: string) => `${h.full}/live/carol/carol-pass-3/${id}.ts`;
const movie = (id = "935703") => `${h.full}/movie/alice/alice-pass-1/${id}.mp4`;

/** mpv plays 1.5 s from 7 s in (a seek before the first frame); its verbose log. */
async function playFromSeven(url: string): Promise<string> {
  const mpv = await run(
    "mpv",
    [
      "--no-config",
      "--vo=null",
      "--ao=null",
      "--start=7",
      "--length=1.5",
      "--msg-level=all=v",
      "--term-status-msg=",
      url,
    ],
    { timeout: 30_000 },
  );
  return mpv.stdout + mpv.stderr;
}

async function settled(): Promise<void> {
  const state = () =>
    JSON.stringify({
      viewers: [...h.running.proxy.ledger.viewers.values()].map(
        (v) => `${v.user}:${v.kind}:${v.streamId}:${v.bytes}`,
      ),
      connections: [...h.running.proxy.ledger.connections.values()].map((c) => c.key),
      hubs: h.running.proxy.hubs.snapshot(),
    });
  await expect.poll(() => h.running.proxy.ledger.viewers.size, { timeout: 3000, message: state() }).toBe(0);
  await expect.poll(() => h.running.proxy.ledger.connections.size, { timeout: 3000 }).toBe(0);
  await expect
    .poll(() => h.provider.active(MAIN.username) + h.provider.active(LINE2.username), { timeout: 3000 })
    .toBe(0);
}

beforeAll(async () => {
  media = await makeMedia();
  h = await startHarness({
    media,
    provider: { fastChannels: ["4"], releaseLagMs: 300 },
    iptv: {
      users: {
        alice: { password: "alice-pass-1", max_streams: 2 },
        bob: {
          password: "bob-pass-22",
          profile: "kids",
          max_streams: 1,
          stream_username: LINE2.username,
          stream_password: LINE2.password,
        },
        carol: { password: "carol-pass-3", max_streams: 2 },
      },
      streams: { slow_viewer_buffer: "1MB", hls_idle: "1s" },
    },
  });
  await h.running.proxy.catalogue.ready();
  await h.running.proxy.checkLines();
});
beforeEach(settled);
afterEach(() => {
  for (const watcher of watchers.splice(0)) watcher.close();
});
afterAll(async () => {
  await h?.stop();
  media?.cleanup();
});

describe("live channels", () => {
  it("plays in ffprobe: real H.264 and AAC through the proxy", async () => {
    const { stdout } = await run(
      "ffprobe",
      ["-v", "error", "-show_entries", "stream=codec_name", "-of", "json", aliceLive("1")],
      { timeout: 20_000 },
    );
    const streams = (JSON.parse(stdout) as { streams: Array<{ codec_name: string }> }).streams;
    expect(streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);
    await settled();
  });

  it("shares one upstream connection between viewers of a channel, and ends it the moment the last one leaves", async () => {
    const before = h.provider.opened.length;
    const tv = await watch(aliceLive("2"), "tv/1.0");
    await expect.poll(() => tv.bytes(), { timeout: 5000 }).toBeGreaterThan(50_000);
    const phone = await watch(aliceLive("2"), "phone/2.0");
    const guest = await watch(carolLive("2"));
    expect([tv.status, phone.status, guest.status]).toEqual([200, 200, 200]);
    await expect
      .poll(() => Math.min(phone.bytes(), guest.bytes()), { timeout: 5000 })
      .toBeGreaterThan(20_000);
    // A viewer who joins mid-stream starts on an MPEG-TS packet.
    expect(phone.first()[0]).toBe(0x47);
    expect(phone.first()[188]).toBe(0x47);
    expect(h.provider.opened.slice(before)).toEqual([`/live/${MAIN.username}/${MAIN.password}/2.ts`]);
    expect(h.provider.active(MAIN.username)).toBe(1);
    await expect.poll(() => h.runtime.store.value("iptv.line_main_connections")).toBe(1);
    await expect.poll(() => h.runtime.store.value("iptv.user_alice_streams")).toBe(2);
    tv.close();
    phone.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(h.provider.active(MAIN.username)).toBe(1);
    guest.close();
    await settled();
  });

  it("lets a person switch channel on a line that is full, closing the old stream", async () => {
    // bob's own line allows one connection, and the panel still counts a closed one for 300 ms.
    const first = await watch(bobLive("3"), "settop/1");
    await expect.poll(() => first.bytes(), { timeout: 5000 }).toBeGreaterThan(10_000);
    const second = await watch(bobLive("4"), "settop/1");
    expect(second.status).toBe(200);
    await first.ended;
    await expect.poll(() => second.bytes(), { timeout: 5000 }).toBeGreaterThan(100_000);
    expect(h.provider.peak(LINE2.username)).toBe(1);
    await expect.poll(() => h.runtime.store.value("iptv.line_bob_connections")).toBe(1);
    second.close();
    await settled();
  });

  it("refuses a stream over a limit with a clear answer, unless it can share a running channel", async () => {
    const a = await watch(aliceLive("1"), "tv/1.0");
    const b = await watch(aliceLive("3"), "phone/2.0");
    expect([a.status, b.status]).toEqual([200, 200]);
    await expect.poll(() => h.provider.active(MAIN.username)).toBe(2);
    // The main line is full with alice's two channels: carol's new channel waits out the grace window, then is refused.
    const refused = await get(carolLive("6"));
    expect(refused.status).toBe(503);
    expect(refused.text).toMatch(/all 2 upstream connection\(s\) of this line are in use/);
    // The channel alice already watches needs no new connection.
    const shared = await peek(carolLive("1"), 20_000);
    expect(shared.status).toBe(200);
    // A third screen of alice's is over her own limit.
    const third = await get(aliceLive("6"), { headers: { "user-agent": "laptop/3.0" } });
    expect(third.status).toBe(429);
    expect(third.text).toMatch(/alice is already watching 2 stream\(s\)/);
    expect(h.provider.peak(MAIN.username)).toBe(2);
    a.close();
    b.close();
    await settled();
  });

  it("disconnects a viewer that cannot keep up instead of stalling the others", async () => {
    // Channel 4 comes as fast as it is read; the stalled viewer falls more than 1 MB behind.
    const fast = await watch(aliceLive("4"), "fast/1");
    const stalled = await watch(carolLive("4"), "stalled/1");
    stalled.stall();
    const carolWatching = () =>
      [...h.running.proxy.ledger.viewers.values()].filter((v) => v.user === "carol").length;
    await expect.poll(carolWatching, { timeout: 5000 }).toBe(0);
    const atKick = fast.bytes();
    await expect.poll(() => fast.bytes(), { timeout: 5000 }).toBeGreaterThan(atKick + 5_000_000);
    // The stalled player, once it reads again, finds its stream ended after what was already sent.
    stalled.resume();
    await stalled.ended;
    expect(stalled.bytes()).toBeLessThan(fast.bytes());
    expect(
      h.provider.opened.filter((p) => p === `/live/${MAIN.username}/${MAIN.password}/4.ts`),
    ).toHaveLength(1);
    fast.close();
    await settled();
  });

  it("holds the provider back while a lone viewer's player stalls, and ends the upstream the moment it goes", async () => {
    // Channel 4 comes as fast as it is read: without backpressure the proxy would read on into memory.
    const viewer = await watch(aliceLive("4"), "slow-tv/1");
    await expect.poll(() => viewer.bytes(), { timeout: 5000 }).toBeGreaterThan(1_000_000);
    viewer.stall();
    const channelBytes = () => h.running.proxy.hubs.snapshot()[0]?.bytes ?? 0;
    let previous = -1;
    await expect
      .poll(
        () => {
          const now = channelBytes();
          const still = now === previous;
          previous = now;
          return still;
        },
        { interval: 400, timeout: 15_000 },
      )
      .toBe(true);
    // Held, not dropped: a lone viewer is never too slow for itself, and only socket buffers sit between.
    expect(h.running.proxy.ledger.userStreams("alice")).toHaveLength(1);
    expect(channelBytes() - viewer.bytes()).toBeLessThan(32 * 1024 * 1024);
    viewer.resume();
    const resumedAt = viewer.bytes();
    await expect.poll(() => viewer.bytes(), { timeout: 5000 }).toBeGreaterThan(resumedAt + 2_000_000);
    expect(h.provider.active(MAIN.username)).toBe(1);
    viewer.close();
    await settled();
  });

  it("publishes streams per person, connections per line and throughput as entities", async () => {
    const store = new Store();
    const entities = new IptvEntities(store, h.running.proxy);
    entities.start(3_600_000);
    try {
      const viewer = await watch(bobLive("4"), "entities/1");
      await expect.poll(() => viewer.bytes(), { timeout: 5000 }).toBeGreaterThan(500_000);
      entities.update(true);
      expect(store.value("iptv.active_streams")).toBe(1);
      expect(store.get("iptv.active_streams")?.state?.attributes.streams).toEqual([
        { user: "bob", kind: "live", stream: "4", listener: "full" },
      ]);
      expect(store.value("iptv.user_bob_streams")).toBe(1);
      expect(store.value("iptv.line_bob_connections")).toBe(1);
      expect(store.value("iptv.line_bob_limit")).toBe(LINE2.maxConnections);
      expect(store.value("iptv.line_main_connections")).toBe(0);
      expect(Number(store.value("iptv.throughput"))).toBeGreaterThan(0);
      viewer.close();
    } finally {
      entities.stop();
    }
    await settled();
  });

  it("answers HEAD without opening the channel, and 404 for a channel the person may not see", async () => {
    const head = await get(aliceLive("1"), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-type"]).toBe("video/mp2t");
    expect((await get(bobLive("1"))).status).toBe(404);
    expect((await get(aliceLive("99"))).status).toBe(404);
    expect(h.provider.active(MAIN.username)).toBe(0);
  });

  it("plays catch-up through both timeshift address forms", async () => {
    const path = await peek(`${h.full}/timeshift/alice/alice-pass-1/60/2025-03-03:13-57/1.ts`, 376);
    expect(path.status).toBe(200);
    expect(path.body[0]).toBe(0x47);
    const php = await peek(
      `${h.full}/streaming/timeshift.php?username=alice&password=alice-pass-1&stream=1&start=2025-03-03:13-57&duration=60`,
      376,
    );
    expect(php.status).toBe(200);
    expect(php.body[188]).toBe(0x47);
    expect(h.provider.opened).toEqual(
      expect.arrayContaining([
        `/timeshift/${MAIN.username}/${MAIN.password}/60/2025-03-03:13-57/1.ts`,
        "/streaming/timeshift.php",
      ]),
    );
    await settled();
  });
});

describe("HLS", () => {
  it("plays a channel to its end in ffmpeg, every playlist URI rewritten to the proxy", async () => {
    const master = await get(aliceLive("1", "m3u8"));
    expect(master.status).toBe(200);
    expect(master.headers["content-type"]).toBe("application/vnd.apple.mpegurl");
    expect(master.text).not.toMatch(/127\.0\.0\.[23]/);
    const variant = master.text.split("\n").find((line) => line.startsWith("http"))!;
    expect(variant.startsWith(`${h.full}/hls/`)).toBe(true);
    const media = await get(variant);
    const uris = [...media.text.matchAll(/^(http\S+)$|URI="([^"]+)"/gm)].map((m) => m[1] ?? m[2]);
    expect(uris).toHaveLength(4);
    for (const uri of uris) expect(uri!.startsWith(`${h.full}/hls/`)).toBe(true);
    expect(media.text).not.toMatch(/token|127\.0\.0\.[23]/);
    const { stderr } = await run(
      "ffmpeg",
      ["-v", "error", "-stats", "-i", aliceLive("1", "m3u8"), "-f", "null", "-"],
      { timeout: 30_000 },
    );
    const times = [...stderr.matchAll(/time=(\d+):(\d+):([\d.]+)/g)].map(
      (m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]),
    );
    expect(times.at(-1)).toBeGreaterThan(5.5);
    const segments = h.provider.requests.filter((r) => /seg\d\.ts$/.test(r.path) && r.status < 300);
    expect(new Set(segments.map((s) => s.path.split("/").at(-1)))).toEqual(
      new Set(["seg0.ts", "seg1.ts", "seg2.ts"]),
    );
    // The middle segment came from the edge the CDN redirected to, on the panel's host.
    expect(h.provider.requests).toContainEqual(
      expect.objectContaining({ cdn: true, status: 302, path: expect.stringMatching(/\/seg1\.ts$/) }),
    );
    expect(segments).toContainEqual(
      expect.objectContaining({ cdn: false, path: expect.stringMatching(/^\/edge\/.+\/seg1\.ts$/) }),
    );
    // Two players (this test's requests and ffmpeg) are two HLS viewers sharing one connection on the line.
    await expect.poll(() => h.runtime.store.value("iptv.user_alice_streams")).toBe(2);
    await expect.poll(() => h.runtime.store.value("iptv.line_main_connections")).toBe(1);
  });

  it("refuses a tampered segment link", async () => {
    const master = await get(aliceLive("1", "m3u8"));
    const link = master.text.split("\n").find((line) => line.startsWith("http"))!;
    const token = link.split("/")[4]!;
    const tampered = link.replace(
      token,
      `${token.slice(0, 30)}${token[30] === "A" ? "B" : "A"}${token.slice(31)}`,
    );
    const answer = await get(tampered);
    expect(answer.status).toBe(403);
    expect(answer.text).toMatch(/not valid/);
  });
});

describe("movies and series", () => {
  it("passes HEAD and Range through: 206, Content-Range, Content-Length and Accept-Ranges as the panel sent them", async () => {
    const size = statSync(media.vodMp4).size;
    const head = await get(movie(), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(size));
    expect(head.headers["accept-ranges"]).toBe("bytes");
    const part = await get(movie(), { headers: { range: "bytes=1000-1999" } });
    expect(part.status).toBe(206);
    expect(part.headers["content-range"]).toBe(`bytes 1000-1999/${size}`);
    expect(part.headers["content-length"]).toBe("1000");
    expect(part.body.equals(readFileSync(media.vodMp4).subarray(1000, 2000))).toBe(true);
    const beyond = await get(movie(), { headers: { range: `bytes=${size + 10}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers["content-range"]).toBe(`bytes */${size}`);
    await settled();
  });

  it("plays in ffprobe and seeks in mpv (mpv asks for a range in the middle of the file)", async () => {
    const probe = await run(
      "ffprobe",
      ["-v", "error", "-show_entries", "format=format_name,duration", "-of", "json", movie()],
      { timeout: 20_000 },
    );
    const format = (JSON.parse(probe.stdout) as { format: { format_name: string; duration: string } }).format;
    expect(format.format_name).toContain("mp4");
    expect(Number(format.duration)).toBeCloseTo(10, 0);
    const before = h.provider.requests.length;
    const log = await playFromSeven(movie());
    expect(log).not.toMatch(/not seekable|Cannot seek/);
    expect(log).toMatch(/Exiting\.\.\. \(End of file\)/);
    const ranged = h.provider.requests
      .slice(before)
      .filter((r) => r.path.endsWith("/935703.mp4") && r.status === 206);
    expect(ranged.some((r) => Number(/bytes=(\d+)-/.exec(r.range ?? "")?.[1]) > 100_000)).toBe(true);
    await settled();
  });

  it("seeks in mpv on a line with one connection: the seek's new request takes the old one's place", async () => {
    // bob's line allows one connection and the panel counts a closed one for 300 ms more; mpv
    // opens the range it seeks to before it lets go of the first request.
    const before = h.provider.requests.length;
    const log = await playFromSeven(`${h.full}/movie/bob/bob-pass-22/935703.mp4`);
    expect(log).not.toMatch(/not seekable|Cannot seek|HTTP error/);
    expect(log).toMatch(/Exiting\.\.\. \(End of file\)/);
    const mine = h.provider.requests
      .slice(before)
      .filter((r) => r.path === `/movie/${LINE2.username}/${LINE2.password}/935703.mp4`);
    expect(
      mine.filter((r) => r.status === 206 && Number(/bytes=(\d+)-/.exec(r.range ?? "")?.[1]) > 100_000),
    ).not.toHaveLength(0);
    // The panel still counted the request the seek replaced; the proxy retried within the grace window.
    expect(mine.some((r) => r.status === 403 && r.range !== "bytes=0-")).toBe(true);
    expect(h.provider.peak(LINE2.username)).toBe(1);
    await settled();
  });

  it("streams a series episode once its series has been opened, not before", async () => {
    const episode = `${h.full}/series/alice/alice-pass-1/935727.mp4`;
    const early = await get(episode);
    expect(early.status).toBe(404);
    expect(early.text).toMatch(/open its series first/);
    expect(
      (await get(api(h.full, "alice", "alice-pass-1", { action: "get_series_info", series_id: "16083" })))
        .status,
    ).toBe(200);
    const part = await get(episode, { headers: { range: "bytes=0-99" } });
    expect(part.status).toBe(206);
    expect(part.headers["content-range"]).toMatch(/^bytes 0-99\/\d+$/);
    expect(part.body.subarray(4, 8).toString()).toBe("ftyp");
    // The panel redirected the episode to its CDN; the proxy followed, the range with it.
    expect(h.provider.requests).toContainEqual(
      expect.objectContaining({
        cdn: true,
        path: expect.stringMatching(/^\/vod\/\w+\/935727\.mp4$/),
        status: 206,
        range: "bytes=0-99",
      }),
    );
    await settled();
  });

  it("gives a clear status when the provider fails mid-way or is down", async () => {
    h.provider.setOutage("error");
    try {
      const refused = await get(movie());
      expect(refused.status).toBe(502);
      expect(refused.text).toBe("the provider answered HTTP 503\n");
      expect((await get(aliceLive("1"))).status).toBe(502);
    } finally {
      h.provider.setOutage("none");
    }
    h.provider.setOutage("hang");
    try {
      const slow = await get(movie());
      expect(slow.status).toBe(504);
      expect(slow.text).toMatch(/did not answer within 3 s/);
    } finally {
      h.provider.setOutage("none");
    }
    await settled();
  });
});
