import http from "node:http";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { createGunzip, createGzip, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { streamsJson } from "../../../src/modules/iptv/api/lists.ts";
import { userLogin } from "../../../src/modules/iptv/api/login.ts";
import { authenticate } from "../../../src/modules/iptv/auth/authenticate.ts";
import { LoginThrottle } from "../../../src/modules/iptv/auth/throttle.ts";
import { Patcher } from "../../../src/modules/iptv/catalogue/patch.ts";
import type { StreamRow } from "../../../src/modules/iptv/catalogue/rows.ts";
import { IptvConfig } from "../../../src/modules/iptv/config.ts";
import { iptvEnv } from "../../../src/modules/iptv/env.ts";
import { xmltvFilter } from "../../../src/modules/iptv/epg/filter.ts";
import { configProblems, Settings } from "../../../src/modules/iptv/settings/settings.ts";
import { rewritePlaylist } from "../../../src/modules/iptv/streams/hls-playlist.ts";
import { openLiveSource } from "../../../src/modules/iptv/streams/live-source.ts";
import { packetStart } from "../../../src/modules/iptv/streams/ts-align.ts";
import { TokenSealer } from "../../../src/modules/iptv/tokens.ts";
import { ChunkedDecoder } from "../../../src/modules/iptv/upstream/chunked.ts";
import { jsonElements, NotAList } from "../../../src/modules/iptv/upstream/json-elements.ts";
import { xmltvChunks } from "../../fixtures/iptv/xmltv.ts";

const account = { server: "http://panel.example:8080", username: "upstreamUser", password: "upstreamPass" };

describe("config", () => {
  it("gives the two listeners on loopback, full on 8080 and mini on 7070, with their own profiles", () => {
    const config = IptvConfig.parse({});
    expect(config.listeners).toEqual({
      full: { enabled: true, host: "127.0.0.1", port: 8080, profile: "full" },
      mini: { enabled: true, host: "127.0.0.1", port: 7070, profile: "mini" },
    });
    expect(config.streams.switch_grace).toBe(2);
    expect(config.catalogue.ttl).toBe(6 * 3600);
  });

  it("maps the old scripts' variables, merging users by name", () => {
    const env = {
      UPSTREAM_SERVER: "panel.example:8080",
      UPSTREAM_USERNAME: "main",
      PROXY_USER1_USERNAME: "alice",
      PROXY_USER1_PASSWORD: "a-pass",
      PROXY_USER2_USERNAME: "bob",
      PROXY_USER2_PASSWORD: "b-pass",
      PROXY_USER2_STREAM_USER: "line2",
      PROXY_USER2_STREAM_PASS: "line2-pass",
    };
    const section = iptvEnv(env)!;
    expect(section).toEqual({
      upstream: { server: "panel.example:8080", username: "main" },
      users: {
        alice: { password: "a-pass" },
        bob: { password: "b-pass", stream_username: "line2", stream_password: "line2-pass" },
      },
    });
    const config = IptvConfig.parse(section);
    expect(config.upstream.server).toBe("http://panel.example:8080");
    expect(config.users.bob?.stream_username).toBe("line2");
    expect(iptvEnv({})).toBeUndefined();
  });

  it("names a profile that does not exist, and a half-configured own line", () => {
    const config = IptvConfig.parse({
      users: { alice: { password: "pw-alice", profile: "kidz", stream_username: "only-user" } },
      listeners: { mini: { profile: "tiny" } },
    });
    const problems = configProblems(config);
    expect(problems).toContainEqual(expect.stringContaining('iptv.users.alice.profile: no profile "kidz"'));
    expect(problems).toContainEqual(
      expect.stringContaining("needs both stream_username and stream_password"),
    );
    expect(problems).toContainEqual(
      expect.stringContaining('iptv.listeners.mini.profile: no profile "tiny"'),
    );
    expect(() => new Settings(config, account)).toThrow(/problem/);
  });

  it("rejects a broken regular expression in a filter with the reason", () => {
    const result = IptvConfig.safeParse({ profiles: { kids: { live: { exclude_streams: ["(unclosed"] } } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/not a valid regular expression/);
    expect(result.error?.issues[0]?.path).toEqual(["profiles", "kids", "live", "exclude_streams", 0]);
  });

  it("gives people with the same own line the same upstream line", () => {
    const config = IptvConfig.parse({
      users: {
        alice: { password: "pw-alice" },
        bob: { password: "pw-bob", stream_username: "l2", stream_password: "l2pass" },
        carol: { password: "pw-carol", stream_username: "l2", stream_password: "l2pass" },
        dave: { password: "pw-dave", stream_username: account.username, stream_password: account.password },
      },
    });
    const settings = new Settings(config, account);
    expect(settings.users.get("alice")?.lineKey).toBe("main");
    expect(settings.users.get("bob")?.lineKey).toBe("user:bob");
    expect(settings.users.get("carol")?.lineKey).toBe("user:bob");
    expect(settings.users.get("dave")?.lineKey).toBe("main");
  });
});

describe("the login answer", () => {
  const who = {
    username: "alice",
    password: "alice-pass-1",
    maxStreams: 3,
    activeStreams: 1,
    base: "http://192.168.1.20:8080",
    now: new Date(Date.UTC(2025, 2, 3, 12, 0, 0)),
  };

  it("writes each number as the provider typed that field, whichever way round, and keeps unknown fields", () => {
    const strings = JSON.parse(
      userLogin(
        {
          user_info: { auth: "1", active_cons: "0", max_connections: "5", exp_date: "1767542400", x: [1] },
          server_info: {
            port: "",
            https_port: "",
            rtmp_port: "",
            timestamp_now: "1",
            timezone: "Europe/Paris",
          },
        },
        who,
      ),
    ) as { user_info: Record<string, unknown>; server_info: Record<string, unknown> };
    expect(strings.user_info).toMatchObject({
      username: "alice",
      password: "alice-pass-1",
      auth: "1",
      active_cons: "1",
      max_connections: "3",
      exp_date: "1767542400",
      x: [1],
    });
    expect(strings.server_info).toMatchObject({
      url: "192.168.1.20",
      port: "8080",
      https_port: "8080",
      rtmp_port: "",
      server_protocol: "http",
      timestamp_now: "1741003200",
      time_now: "2025-03-03 13:00:00",
    });
    const numbers = JSON.parse(
      userLogin(
        {
          user_info: { auth: 1, active_cons: 0, max_connections: 5 },
          server_info: { port: 0, https_port: 0, rtmp_port: 0, timestamp_now: 1 },
        },
        { ...who, base: "https://tv.example.org" },
      ),
    ) as { user_info: Record<string, unknown>; server_info: Record<string, unknown> };
    expect(numbers.user_info).toMatchObject({ auth: 1, active_cons: 1, max_connections: 3 });
    expect(numbers.server_info).toMatchObject({
      url: "tv.example.org",
      port: 443,
      https_port: 443,
      rtmp_port: 0,
      server_protocol: "https",
      timestamp_now: 1741003200,
      timezone: "UTC",
    });
  });
});

describe("profiles", () => {
  const row = (over: Partial<StreamRow>): StreamRow => ({
    id: "1",
    categories: ["1"],
    name: "News 24/7",
    adult: false,
    epgId: "",
    ext: "",
    icon: "",
    json: "{}",
    ...over,
  });
  const categories = [
    { id: "1", name: "Sports", json: "{}" },
    { id: "2", name: "News", json: "{}" },
    { id: "6", name: "XXX Adult", json: "{}" },
    { id: "7", name: "UK | Entertainment", json: "{}" },
  ];
  const settings = new Settings(
    IptvConfig.parse({
      users: { alice: { password: "pw-alice", profile: "kids" } },
      profiles: {
        kids: {
          hide_adult: true,
          live: {
            exclude_categories: ["sports"],
            exclude_streams: ["\\bnews\\b"],
            rename_categories: { "7": "Shows" },
            category_order: ["/entertainment/i", "News"],
          },
        },
        uk: { live: { include_categories: ["/^UK \\|/"] } },
      },
    }),
    account,
  );

  it("applies include, exclude (by id, name or regex), adult hiding and stream-name filters", () => {
    const kids = settings.view("full", "kids");
    const visible = kids.visibleCategories("live", 1, categories);
    expect([...visible].filter(([, v]) => v).map(([id]) => id)).toEqual(["2", "7"]);
    expect(kids.streamVisible("live", row({ categories: ["2"], name: "World News" }), visible)).toBe(false);
    expect(kids.streamVisible("live", row({ categories: ["2"], name: "Newsround Kids" }), visible)).toBe(
      true,
    );
    expect(kids.streamVisible("live", row({ categories: ["2"], name: "Late", adult: true }), visible)).toBe(
      false,
    );
    expect(kids.streamVisible("live", row({ categories: ["1", "7"], name: "Multi" }), visible)).toBe(true);
    expect(kids.categoryName("live", "7", "UK | Entertainment")).toBe("Shows");
    expect(kids.order("live", categories).map((c) => c.id)).toEqual(["7", "2", "1", "6"]);
  });

  it("applies both the listener's profile and the person's", () => {
    const both = settings.view("uk", "kids");
    const visible = both.visibleCategories("live", 1, categories);
    expect([...visible].filter(([, v]) => v).map(([id]) => id)).toEqual(["7"]);
    const mini = settings.view("mini", "full");
    expect(mini.enabled("vod")).toBe(false);
    expect(mini.enabled("live")).toBe(true);
  });
});

describe("tokens", () => {
  const sealer = new TokenSealer(Buffer.from("a key of at least sixteen bytes"));

  it("hides what it carries and opens only with the same key", () => {
    const token = sealer.seal({ u: "http://panel.example:8080/hls/abc/seg1.ts?token=xyz" });
    expect(token).not.toMatch(/panel|example|hls|token/);
    expect(sealer.open(token)).toEqual({ u: "http://panel.example:8080/hls/abc/seg1.ts?token=xyz" });
    expect(new TokenSealer(Buffer.from("a key of at least sixteen bytes")).open(token)).toEqual(
      sealer.open(token),
    );
    expect(new TokenSealer(Buffer.from("another key, also long enough")).open(token)).toBeUndefined();
  });

  it("refuses a token with any byte changed", () => {
    const token = sealer.seal({ u: "http://x/", e: 1 });
    const raw = Buffer.from(token, "base64url");
    for (const i of [0, 5, 16, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[i] = bad[i]! ^ 1;
      expect(sealer.open(bad.toString("base64url"))).toBeUndefined();
    }
    expect(sealer.open("not-a-token")).toBeUndefined();
  });

  it("seals the same payload to the same token, so image links stay cacheable", () => {
    expect(sealer.seal({ k: "i", u: "http://a/b.png" })).toBe(sealer.seal({ k: "i", u: "http://a/b.png" }));
  });
});

describe("HLS playlist rewriting", () => {
  it("rewrites every URI: lines and URI attributes, relative, absolute and root-relative, on any host", () => {
    const master = [
      "#EXTM3U",
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="en",URI="audio/en.m3u8?t=1"',
      '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=9000,URI="iframes.m3u8"',
      "#EXT-X-STREAM-INF:BANDWIDTH=800000",
      "low/index.m3u8?token=abc",
      "#EXT-X-STREAM-INF:BANDWIDTH=2000000",
      "https://cdn2.example/hi/index.m3u8",
    ].join("\r\n");
    const seen: Array<[string, string]> = [];
    const out = rewritePlaylist(
      master,
      new URL("http://cdn.example:81/live/x/master.m3u8?s=9"),
      (url, kind) => {
        seen.push([url.href, kind]);
        return `/p/${seen.length}`;
      },
    );
    expect(seen).toEqual([
      ["http://cdn.example:81/live/x/audio/en.m3u8?t=1", "playlist"],
      ["http://cdn.example:81/live/x/iframes.m3u8", "playlist"],
      ["http://cdn.example:81/live/x/low/index.m3u8?token=abc", "playlist"],
      ["https://cdn2.example/hi/index.m3u8", "playlist"],
    ]);
    expect(out).not.toMatch(/cdn|example|token/);
    const media = [
      "#EXTM3U",
      '#EXT-X-KEY:METHOD=AES-128,URI="../keys/k1.bin?auth=q",IV=0x1',
      '#EXT-X-MAP:URI="init.mp4"',
      "#EXTINF:2.0,",
      "seg0.ts?auth=q",
      "#EXTINF:2.0,",
      "/abs/seg1.ts",
      '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://fairplay-key"',
      "#EXTINF:2.0,",
      "http://other.example/seg2.ts",
      "#EXT-X-ENDLIST",
    ].join("\n");
    const kinds: string[] = [];
    const rewritten = rewritePlaylist(media, new URL("http://cdn.example/a/b/list.m3u8"), (url, kind) => {
      kinds.push(`${kind}:${url.href}`);
      return "X";
    });
    expect(kinds).toEqual([
      "media:http://cdn.example/a/keys/k1.bin?auth=q",
      "media:http://cdn.example/a/b/init.mp4",
      "media:http://cdn.example/a/b/seg0.ts?auth=q",
      "media:http://cdn.example/abs/seg1.ts",
      "media:http://other.example/seg2.ts",
    ]);
    expect(rewritten).toContain('URI="skd://fairplay-key"');
    expect(rewritten).toContain('#EXT-X-KEY:METHOD=AES-128,URI="X",IV=0x1');
  });
});

describe("upstream lists", () => {
  async function collect(text: string, chunkSize: number): Promise<unknown[]> {
    const bytes = Buffer.from(text);
    const chunks = [];
    for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
    const out = [];
    for await (const value of jsonElements(Readable.from(chunks))) out.push(value);
    return out;
  }

  it("yields each element whatever the chunking, strings with brackets and escapes included", async () => {
    const list = [{ a: "x]y,z", b: [1, { c: '"}' }] }, 5, "é ü 中", null, { d: "\\" }];
    for (const size of [1, 3, 7, 64, 10_000])
      expect(await collect(` \n${JSON.stringify(list)}\n`, size)).toEqual(list);
  });

  it("takes an object keyed by id, null and an empty body as lists, and names a login refusal", async () => {
    expect(await collect('{"1":{"n":1},"2":{"n":2}}', 4)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await collect("null", 4)).toEqual([]);
    expect(await collect("", 4)).toEqual([]);
    await expect(collect('{"user_info":{"auth":0}}', 4)).rejects.toBeInstanceOf(NotAList);
    await expect(collect('[{"a":1},{"b":', 4)).rejects.toThrow(/ended early/);
  });
});

describe("the leak guard", () => {
  const patcher = new Patcher(
    new TokenSealer(Buffer.from("a key of at least sixteen bytes")),
    account.server,
    {
      hosts: ["panel.example"],
      credentials: [account.username, account.password],
    },
  );

  it("proxies artwork, blanks direct sources and anything naming the provider, keeps the rest as it came", () => {
    const item = {
      stream_id: "12",
      num: 3,
      rating: 5.5,
      stream_icon: "http://panel.example:8080/images/a.png",
      backdrop_path: ["https://tmdb.example/b.jpg"],
      direct_source: "http://elsewhere.example/x.ts",
      url: "http://panel.example:8080/live/upstreamUser/upstreamPass/12.ts",
      note: "see /live/upstreamUser/x",
      plot: "A story about upstreamUsers? no: just a plot.",
      extra: { nested: [1, "two", null] },
    };
    const out = patcher.patch(structuredClone(item)) as Record<string, unknown>;
    expect(out.stream_id).toBe("12");
    expect(out.num).toBe(3);
    expect(out.rating).toBe(5.5);
    expect(out.stream_icon).toMatch(/^\u0000deskhub-base\u0000\/img\/[A-Za-z0-9_-]+\.png$/);
    expect((out.backdrop_path as string[])[0]).toMatch(/\/img\/[A-Za-z0-9_-]+\.jpg$/);
    expect(out.direct_source).toBe("");
    expect(out.url).toBe("");
    expect(out.note).toBe("see");
    expect(out.plot).toBe(item.plot);
    expect(out.extra).toEqual(item.extra);
  });
});

describe("XMLTV filtering", () => {
  const shape = {
    channels: ["a.tv", "b.tv", "c.tv"],
    extraChannels: 5,
    programmesPerChannel: 30,
    base: "http://panel.example:8080",
  };
  const patcher = new Patcher(new TokenSealer(Buffer.from("a key of at least sixteen bytes")), shape.base, {
    hosts: ["panel.example"],
    credentials: [],
  });
  const filter = () =>
    xmltvFilter({
      keep: (id) => id === "a.tv" || id === "c.tv",
      image: (url) => patcher.image(url).replace("\u0000deskhub-base\u0000", "http://proxy"),
      clean: (text) => patcher.clean(text),
    });

  it("keeps only the viewer's channels and their programmes, with icons proxied and entities intact", async () => {
    const out = (await buffer(Readable.from(xmltvChunks(shape)).pipe(filter()))).toString("utf8");
    const channels = [...out.matchAll(/<channel id="([^"]+)"/g)].map((m) => m[1]);
    expect(channels).toEqual(["a.tv", "c.tv"]);
    const programmes = [...out.matchAll(/<programme [^>]*channel="([^"]+)"/g)].map((m) => m[1]);
    expect(programmes).toHaveLength(60);
    expect(new Set(programmes)).toEqual(new Set(["a.tv", "c.tv"]));
    expect(out).toContain('<title lang="en">Show &amp; Tell #1 on a.tv</title>');
    expect(out).toContain("a &lt;live&gt; look");
    expect(out).toContain('guests and "quotes". Details at</desc>');
    expect(out).not.toContain("panel.example");
    expect(out).toMatch(/<icon src="http:\/\/proxy\/img\/[A-Za-z0-9_-]+\.png"\/>/);
    expect(out.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(out.trimEnd().endsWith("</tv>")).toBe(true);
  });

  it("reads a Latin-1 guide and writes UTF-8, and carries on past broken markup", async () => {
    const latin1 = Buffer.from(
      '<?xml version="1.0" encoding="ISO-8859-1"?><tv><channel id="a.tv"><display-name>Télé &nbsp; Zoë</display-name></channel><programme channel="a.tv" start="x"><title>Café</title></programme></tv>',
      "latin1",
    );
    const errors: string[] = [];
    const out = await buffer(
      Readable.from([latin1]).pipe(
        xmltvFilter({ keep: () => true, image: (u) => u, clean: (t) => t, onError: (m) => errors.push(m) }),
      ),
    );
    const text = out.toString("utf8");
    expect(text).toContain("Télé");
    expect(text).toContain("<title>Café</title>");
    expect(errors).toHaveLength(1);
  });

  it("drops other people's channels the same however the guide is split, past comments, CDATA and entities", async () => {
    const guide = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?>\n<tv>\n' +
        '  <channel id="b.tv"><display-name>B</display-name></channel>\n' +
        '  <!-- <programme channel="a.tv"> in a comment </programme> -->\n' +
        '  <programme channel="b.tv" start="1"><desc><![CDATA[ends with </programme> inside ]]></desc></programme>\n' +
        '  <programme channel="a.tv" start="2" title=\'a > b\'><title>Kept &amp; shown</title></programme>\n' +
        '  <programme channel="b&#46;tv" start="3"><title>Entity-named, dropped by the parser</title></programme>\n' +
        '  <programme channel="b.tv" start="4"/>\n' +
        '  <programme\n channel = "c.tv" start="5"><title>Spread over lines</title></programme>\n' +
        "</tv>\n",
    );
    const run = async (size: number) => {
      const pieces = [];
      for (let at = 0; at < guide.length; at += size) pieces.push(guide.subarray(at, at + size));
      return (await buffer(Readable.from(pieces).pipe(filter()))).toString("utf8");
    };
    const whole = await run(guide.length);
    expect([...whole.matchAll(/start="(\d)"/g)].map((m) => m[1])).toEqual(["2", "5"]);
    expect(whole).toContain("<title>Kept &amp; shown</title>");
    expect(whole).not.toContain("b.tv");
    for (const size of [1, 2, 3, 7, 13, 64]) expect(await run(size)).toBe(whole);
  });

  it("takes gzip through a gunzip in front, as the proxy does for a gzipped guide", async () => {
    const gz = await buffer(Readable.from(xmltvChunks(shape)).pipe(createGzip()));
    const out = await buffer(Readable.from([gz]).pipe(createGunzip()).pipe(filter()));
    expect(out.toString()).toContain('<channel id="c.tv">');
    expect(gunzipSync(gz).toString()).toContain('<channel id="b.tv">');
  });
});

describe("live alignment and the login throttle", () => {
  it("starts a late viewer on a TS packet boundary", () => {
    const stream = Buffer.alloc(188 * 10);
    for (let i = 0; i < 10; i++) stream[i * 188] = 0x47;
    expect(packetStart(stream.subarray(500), 500)).toBe(564 - 500);
    expect(packetStart(stream.subarray(0, 100), 0)).toBe(0);
    expect(packetStart(Buffer.alloc(50), 7)).toBe(-1);
  });

  it("lets a few failures through, then doubles the wait per failure up to the ceiling, and forgets on success", () => {
    const throttle = new LoginThrottle({ free: 2, maxDelayMs: 2000 });
    const delays = [];
    for (let i = 0; i < 7; i++) {
      delays.push(throttle.delayMs("10.0.0.5", 1000));
      throttle.failed("10.0.0.5", 1000);
    }
    expect(delays).toEqual([0, 0, 0, 250, 500, 1000, 2000]);
    expect(throttle.delayMs("10.0.0.6", 1000)).toBe(0);
    expect(throttle.delayMs("10.0.0.5", 1000 + 16 * 60_000)).toBe(0);
    throttle.failed("10.0.0.7");
    throttle.failed("10.0.0.7");
    throttle.failed("10.0.0.7");
    throttle.succeeded("10.0.0.7");
    expect(throttle.delayMs("10.0.0.7")).toBe(0);
  });

  it("finds a user only by the exact name and password, never by a prefix or another user's password", () => {
    const { users } = new Settings(
      IptvConfig.parse({ users: { alice: { password: "pw-alice" }, alicia: { password: "pw-alicia" } } }),
      account,
    );
    expect(authenticate(users, "alice", "pw-alice")?.name).toBe("alice");
    expect(authenticate(users, "alicia", "pw-alicia")?.name).toBe("alicia");
    for (const [name, pass] of [
      ["alice", "pw-alicia"],
      ["alice", "pw-alic"],
      ["alice", "pw-alice "],
      ["Alice", "pw-alice"],
      ["alic", "pw-alice"],
      ["", ""],
    ] as const)
      expect(authenticate(users, name, pass)).toBeUndefined();
  });

  it("makes attempts sent at once from a suspect address take turns, and refuses those past four waiting", () => {
    const throttle = new LoginThrottle({ free: 0, maxDelayMs: 2000 });
    const free = throttle.admit("10.0.0.8", 1000);
    expect(free).toMatchObject({ waitMs: 0 });
    for (let i = 0; i < 3; i++) throttle.failed("10.0.0.8", 1000);
    // Three failures: each attempt now waits 1 s after the turn of the one before it.
    const admitted = Array.from({ length: 6 }, () => throttle.admit("10.0.0.8", 1000));
    expect(admitted.map((a) => ("waitMs" in a ? a.waitMs : `refused ${a.refusedForMs}`))).toEqual([
      1000,
      2000,
      3000,
      4000,
      "refused 4000",
      "refused 4000",
    ]);
    for (const a of admitted) if ("done" in a) a.done();
    // Once they are through, the next attempt waits one turn again, not behind the old queue.
    expect(throttle.admit("10.0.0.8", 6000)).toMatchObject({ waitMs: 1000 });
    expect(throttle.admit("10.0.0.9", 6000)).toMatchObject({ waitMs: 0 });
  });
});

describe("the raw live-stream reader", () => {
  it("decodes chunked bodies however they are split, extensions and trailers included", () => {
    const body = Buffer.from("Hello, live TV! ".repeat(50));
    const pieces = [5, 1, 300, 17, 0x9, 317];
    let wire = "";
    let at = 0;
    for (const size of pieces) {
      wire += `${size.toString(16)}${size === 17 ? ";ext=1" : ""}\r\n${body.subarray(at, at + size).toString("latin1")}\r\n`;
      at += size;
    }
    wire += "0\r\nX-Trailer: yes\r\n\r\n";
    const bytes = Buffer.from(wire, "latin1");
    for (const split of [1, 2, 3, 7, 64, bytes.length]) {
      const decoder = new ChunkedDecoder();
      const out: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += split)
        decoder.push(bytes.subarray(i, i + split), (s) => out.push(Buffer.from(s)));
      expect(Buffer.concat(out).equals(body.subarray(0, at))).toBe(true);
      expect(decoder.done).toBe(true);
    }
    expect(() => new ChunkedDecoder().push(Buffer.from("zz\r\n"), () => {})).toThrow(/chunk size/);
  });

  it("asks for an unframed body, reads chunked, sized and close-delimited answers and follows redirects", async () => {
    const payload = Buffer.alloc(700_000, 0x47);
    const versions: string[] = [];
    const server = http.createServer((req, res) => {
      versions.push(req.httpVersion);
      if (req.url === "/moved")
        return void res.writeHead(302, { location: `http://127.0.0.3:${cdnPort}/sized` }).end();
      if (req.url === "/chunked") {
        // A provider that chunks even an HTTP/1.0 request.
        res.writeHead(200, { "content-type": "video/mp2t", "transfer-encoding": "chunked" });
        for (let i = 0; i < payload.length; i += 1316) res.write(payload.subarray(i, i + 1316));
        return void res.end();
      }
      res.removeHeader("transfer-encoding");
      res.writeHead(200, { connection: "close", "content-type": "video/mp2t" });
      res.end(payload);
    });
    const cdn = http.createServer((_req, res) =>
      res.writeHead(200, { "content-length": payload.length }).end(payload),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.2", r));
    await new Promise<void>((r) => cdn.listen(0, "127.0.0.3", r));
    const port = (server.address() as { port: number }).port;
    const cdnPort = (cdn.address() as { port: number }).port;
    try {
      for (const path of ["/chunked", "/close", "/moved"]) {
        const { status, source } = await openLiveSource(new URL(`http://127.0.0.2:${port}${path}`), {
          headers: { "user-agent": "t" },
          signal: new AbortController().signal,
          timeoutMs: 2000,
          retryUntil: 0,
        });
        expect(status).toBe(200);
        const got = await new Promise<Buffer>((resolve, reject) => {
          const parts: Buffer[] = [];
          source.start({
            data: (slice) => parts.push(Buffer.from(slice)),
            end: () => resolve(Buffer.concat(parts)),
            error: reject,
          });
        });
        expect(got.equals(payload)).toBe(true);
      }
      expect(new Set(versions)).toEqual(new Set(["1.0"]));
    } finally {
      server.close();
      cdn.close();
    }
  });
});

describe("JSON list answers", () => {
  it("stay valid JSON across 64 kB pieces, every base mark replaced", () => {
    const mark = JSON.stringify("\u0000deskhub-base\u0000/img/x.png");
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      categories: [String(i % 3)],
      name: `Channel ${i}`,
      adult: false,
      json: Buffer.from(`{"stream_id":${i},"stream_icon":${mark},"name":"Channel ${i}"}`),
    }));
    const catalogue = {
      generation: () => 1,
      categories: () => [
        { id: "0", name: "A", json: "{}" },
        { id: "1", name: "B", json: "{}" },
        { id: "2", name: "C", json: "{}" },
      ],
      list: () => rows,
    } as unknown as Parameters<typeof streamsJson>[0];
    const view = new Settings(IptvConfig.parse({}), account).view("full", "full");
    const pieces = [...streamsJson(catalogue, view, "live", "http://proxy:8080")];
    expect(pieces.length).toBeGreaterThan(2);
    const list = JSON.parse(Buffer.concat(pieces).toString()) as Array<{
      stream_id: number;
      stream_icon: string;
    }>;
    expect(list.map((r) => r.stream_id)).toEqual(rows.map((_, i) => i));
    expect(list.every((r) => r.stream_icon === "http://proxy:8080/img/x.png")).toBe(true);
    const one = JSON.parse(
      Buffer.concat([...streamsJson(catalogue, view, "live", "http://p", "2")]).toString(),
    ) as unknown[];
    expect(one).toHaveLength(1000);
  });
});
