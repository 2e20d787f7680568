/**
 * xmltv.php on a large guide: deskhub cuts a ~1 GB XMLTV file (4,000 channels, 620
 * programmes each) down to the 1,000 channels a profile allows, streaming it through a
 * SAX parser. Measured: MB/s of guide filtered (the first request downloads it into the
 * cache as well; twelve more filter the cached copy) and the proxy's peak memory in each,
 * against nginx serving the same file unfiltered (the floor for reading and sending
 * those bytes). Goal: memory flat, under 100 MB above idle. The proxy runs with the
 * daemon's V8 flags (as the systemd unit runs it). BENCH_PROGRAMMES sets
 * programmes per channel (110 makes a ~180 MB guide and a run of under half a minute).
 */
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { DAEMON_NODE_FLAGS } from "../src/app/daemon/node-flags.ts";
import {
  freePort,
  peakMb,
  printTable,
  resetPeak,
  startDeskhub,
  startNginx,
  startProviderProcess,
} from "../test/fixtures/iptv/bench-env.ts";
import { rssMb } from "./lib.ts";

const PROGRAMMES = Number(process.env.BENCH_PROGRAMMES ?? 620);
const UP = { username: "benchup", password: "benchpw-9731", maxConnections: 10 };

function download(url: string): Promise<{ ms: number; bytes: number; channels: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    http
      .get(url, { agent: false }, (res) => {
        let bytes = 0;
        let channels = 0;
        let tail = "";
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          const text = tail + chunk.toString("latin1");
          channels += text.split("<channel id=").length - 1;
          tail = text.slice(-16);
        });
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
          resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, bytes, channels });
        });
      })
      .on("error", reject);
  });
}

const provider = await startProviderProcess({
  accounts: [UP],
  generated: { live: 2000, vod: 0, categories: 50 },
  xmltv: { extraChannels: 2000, programmesPerChannel: PROGRAMMES, gzip: "none" },
});
const port = await freePort();
const deskhub = await startDeskhub(
  {
    upstream: { server: provider.url, username: UP.username, password: UP.password, timeout: "60s" },
    users: { bench: { password: "bench-pass-1", profile: "half" } },
    profiles: { half: { live: { include_categories: Array.from({ length: 25 }, (_, i) => String(i + 1)) } } },
    listeners: { full: { port }, mini: { enabled: false } },
  },
  { nodeFlags: DAEMON_NODE_FLAGS },
);
// Enough passes over the cached guide to see whether memory settles or keeps growing:
// V8 lets garbage build up in the old generation until its first full collection.
const PASSES = Number(process.env.BENCH_PASSES ?? 12);
const url = `http://127.0.0.1:${port}/xmltv.php?username=bench&password=bench-pass-1`;
const rows: Array<Array<string | number>> = [];
const peaks: number[] = [];
let idle = 0;
let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
try {
  idle = rssMb(deskhub.pid);
  // The first request waits for the download into the cache, then filters it.
  resetPeak(deskhub.pid);
  const first = await download(url);
  const raw = join(deskhub.home, "cache/deskhub/iptv/xmltv.raw");
  const size = statSync(raw).size;
  rows.push([
    "deskhub, first request (download + filter)",
    size / 1048576,
    first.ms,
    size / 1048576 / (first.ms / 1000),
    `${peakMb(deskhub.pid).toFixed(1)} (idle ${idle.toFixed(1)}, after ${rssMb(deskhub.pid).toFixed(1)})`,
    first.channels,
  ]);
  for (let i = 0; i < PASSES; i++) {
    resetPeak(deskhub.pid);
    const run = await download(url);
    peaks.push(peakMb(deskhub.pid));
    rows.push([
      "deskhub, filtering the cached guide",
      size / 1048576,
      run.ms,
      size / 1048576 / (run.ms / 1000),
      `${peaks.at(-1)!.toFixed(1)} (idle ${idle.toFixed(1)})`,
      run.channels,
    ]);
  }
  nginx = await startNginx((dir, nginxPort) => {
    mkdirSync(join(dir, "www"), { recursive: true });
    copyFileSync(raw, join(dir, "www/guide.xml"));
    return `server { listen 127.0.0.1:${nginxPort}; root ${dir}/www; location / { } }`;
  });
  const worker = nginx.workers()[0]!;
  resetPeak(worker);
  const plain = await download(`http://127.0.0.1:${nginx.port}/guide.xml`);
  rows.push([
    "nginx static file, unfiltered",
    size / 1048576,
    plain.ms,
    size / 1048576 / (plain.ms / 1000),
    peakMb(worker).toFixed(1),
    plain.channels,
  ]);
} finally {
  await nginx?.stop();
  await deskhub.stop();
  await provider.stop();
}

printTable(
  `XMLTV guide of ${PROGRAMMES} programmes x 4,000 channels, filtered to 1,000 channels`,
  ["path", "guide MB", "ms", "MB/s", "peak RSS MB", "channels out"],
  rows,
);
const filtered = rows.filter((r) => String(r[0]).includes("cached"));
const best = Math.max(...filtered.map((r) => Number(r[3])));
console.log(
  `\ndeskhub filters at ${best.toFixed(1)} MB/s, ${(best / Number(rows.at(-1)![3])).toFixed(3)} of nginx sending the file unfiltered`,
);
const above = Math.max(...peaks) - idle;
// Flat: the last third of the passes sets no new high (memory reached its ceiling before).
const tail = Math.max(1, Math.floor(peaks.length / 3));
const before = Math.max(...peaks.slice(0, -tail));
const rise = Math.max(...peaks.slice(-tail)) - before;
console.log(
  `goal memory flat, under 100 MB above idle: ${above < 100 && rise < 2 ? "met" : "NOT met"} (peak ${above.toFixed(1)} MB above idle; the last ${tail} passes peak ${rise.toFixed(1)} MB above the passes before)`,
);
