/**
 * The catalogue from deskhub's SQLite cache: `get_live_streams` for 30,000 channels
 * (p50/p99 over sequential requests) and `get.php` m3u_plus for 100,000 entries (30,000
 * channels + 70,000 movies: time and the proxy's peak memory while it streams), each
 * against nginx serving the very same bytes as a static file (the floor for sending
 * them), plus the time to refresh the 100,000 entries from the fake panel.
 * BENCH_REQUESTS sets the number of list requests (default 30).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import {
  deskhubCli,
  freePort,
  peakMb,
  printTable,
  resetPeak,
  startDeskhub,
  startNginx,
  startProviderProcess,
} from "../test/fixtures/iptv/bench-env.ts";
import { percentile, rssMb } from "./lib.ts";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 30);
const LIVE = 30_000;
const VOD = 70_000;
const UP = { username: "benchup", password: "benchpw-9731", maxConnections: 10 };

function download(url: string): Promise<{ ms: number; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    http
      .get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
          resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, bytes: Buffer.concat(chunks) });
        });
      })
      .on("error", reject);
  });
}

const provider = await startProviderProcess({ accounts: [UP], generated: { live: LIVE, vod: VOD } });
const port = await freePort();
const section = {
  upstream: { server: provider.url, username: UP.username, password: UP.password, timeout: "60s" },
  users: { bench: { password: "bench-pass-1" } },
  listeners: { full: { port }, mini: { enabled: false } },
};

// The refresh, timed by the CLI itself, in the home the proxy then serves from.
let refresh = { status: null as number | null, stdout: "", stderr: "" };
const deskhub = await startDeskhub(section, {
  prepare: (env) => (refresh = deskhubCli(["iptv", "refresh", "--json"], env)),
});
if (refresh.status !== 0) throw new Error(`deskhub iptv refresh failed: ${refresh.stderr}`);
const refreshed = JSON.parse(refresh.stdout) as {
  ms: number;
  kinds: Array<{ kind: string; streams: number }>;
};
const startRss = rssMb(deskhub.pid);
const base = `http://127.0.0.1:${port}`;
const listUrl = `${base}/player_api.php?username=bench&password=bench-pass-1&action=get_live_streams`;
const m3uUrl = `${base}/get.php?username=bench&password=bench-pass-1&type=m3u_plus&output=ts`;
for (;;) {
  const first = await download(listUrl);
  if ((JSON.parse(first.bytes.toString()) as unknown[]).length === LIVE) break;
  await new Promise((r) => setTimeout(r, 500));
}

const files = await download(listUrl);
const playlist = await download(m3uUrl);
const nginx = await startNginx((dir, nginxPort) => {
  mkdirSync(join(dir, "www"), { recursive: true });
  writeFileSync(join(dir, "www/live.json"), files.bytes);
  writeFileSync(join(dir, "www/playlist.m3u"), playlist.bytes);
  return `server { listen 127.0.0.1:${nginxPort}; root ${dir}/www; location / { } }`;
});

const rows: Array<Array<string | number>> = [];
const memory: Array<Array<string | number>> = [];
try {
  for (const [name, url] of [
    ["deskhub get_live_streams (30,000)", listUrl],
    ["nginx static file, same bytes", `http://127.0.0.1:${nginx.port}/live.json`],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < REQUESTS; i++) times.push((await download(url)).ms);
    rows.push([
      name,
      (files.bytes.length / 1048576).toFixed(1),
      percentile(times, 50),
      percentile(times, 99),
    ]);
  }
  for (const [name, url, pid] of [
    ["deskhub get.php m3u_plus (100,000)", m3uUrl, deskhub.pid],
    ["nginx static file, same bytes", `http://127.0.0.1:${nginx.port}/playlist.m3u`, nginx.workers()[0]!],
  ] as const) {
    const before = rssMb(pid);
    resetPeak(pid);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push((await download(url)).ms);
    rows.push([
      name,
      (playlist.bytes.length / 1048576).toFixed(1),
      percentile(times, 50),
      percentile(times, 99),
    ]);
    memory.push([name, before, peakMb(pid), peakMb(pid) - before]);
  }
} finally {
  await nginx.stop();
  await deskhub.stop();
  await provider.stop();
}

const ratio = (a: number, b: number) => (a / b).toFixed(2);
printTable(
  `Catalogue answers from the cache, ${REQUESTS} sequential requests (5 for the playlist), ms`,
  ["answer", "MB", "p50", "p99"],
  rows,
);
console.log(
  `\nratios (deskhub / nginx static, p50): get_live_streams ${ratio(Number(rows[0]![2]), Number(rows[1]![2]))}, m3u_plus ${ratio(Number(rows[2]![2]), Number(rows[3]![2]))}`,
);
printTable(
  `Memory while the 100,000-entry playlist streams, MB (deskhub right after start: ${startRss.toFixed(1)}; "before" follows the list requests)`,
  ["process", "RSS before", "peak RSS", "peak above before"],
  memory,
);
printTable(
  "Catalogue refresh (deskhub iptv refresh: download, patch and store)",
  ["lists", "entries", "ms"],
  [
    [
      refreshed.kinds.map((k) => k.kind).join(" + "),
      refreshed.kinds.reduce((n, k) => n + k.streams, 0),
      refreshed.ms,
    ],
  ],
);
