/**
 * Library refresh of about 20,000 items against the fake Jellyfin (run in its own
 * process, as a server would be): a full refresh, an incremental one with nothing
 * changed, and one with 50 items re-saved, against the baseline of reading every item
 * over HTTP without caching anything (the floor a full refresh cannot go under).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { openDatabase } from "../src/core/db.ts";
import { resolvePaths } from "../src/core/paths.ts";
import { Secrets } from "../src/core/secrets/secrets.ts";
import { MediaConfig } from "../src/modules/media/config.ts";
import { MIGRATIONS } from "../src/modules/media/db.ts";
import { LibraryCache } from "../src/modules/media/jellyfin/cache.ts";
import { JellyfinClient } from "../src/modules/media/jellyfin/client.ts";
import { refreshLibrary } from "../src/modules/media/jellyfin/refresh.ts";
import { median, percentile, table } from "./lib.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 5);
const MOVIES = 7000;
const SERIES = 400;

/** The fake server in a child process; it prints its URL and key, then obeys "touch N" on stdin. */
function startServer(): Promise<{ url: string; key: string; touch(n: number): Promise<void>; stop(): void }> {
  const code = `
    const { FakeJellyfin } = await import(${JSON.stringify(join(root, "test/fixtures/jellyfin/server.ts"))});
    const fake = new FakeJellyfin({ library: { movies: ${MOVIES}, series: ${SERIES} } });
    const key = fake.createApiKey();
    await fake.start();
    console.log(JSON.stringify({ url: fake.url, key, items: fake.items().length }));
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (line) => {
      const n = Number(line.trim().split(" ")[1]);
      const movies = fake.items().filter((i) => i.Type === "Movie");
      for (let i = 0; i < n; i++) {
        const item = movies[Math.floor(Math.random() * movies.length)];
        fake.upsert({ ...item, Name: item.Name + " (restored)" });
      }
      console.log("touched");
    });`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let buffer = "";
  const waiters: Array<(line: string) => void> = [];
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      waiters.shift()?.(line);
    }
  });
  const next = () => new Promise<string>((resolve) => waiters.push(resolve));
  return next().then((line) => {
    const info = JSON.parse(line) as { url: string; key: string; items: number };
    console.log(`fake Jellyfin: ${info.items} items`);
    return {
      url: info.url,
      key: info.key,
      async touch(n: number) {
        child.stdin.write(`touch ${n}\n`);
        await next();
      },
      stop: () => child.kill(),
    };
  });
}

const server = await startServer();
const home = mkdtempSync(join(tmpdir(), "deskhub-bench-refresh-"));
try {
  const env = { HOME: home, XDG_DATA_HOME: join(home, "data"), JELLYFIN_API_KEY: server.key };
  const paths = resolvePaths(env);
  const secrets = new Secrets({ env, paths });
  secrets.declare({ name: "jellyfin_api_key", description: "", env: ["JELLYFIN_API_KEY"] });
  const config = MediaConfig.parse({ jellyfin: { url: server.url } });
  const ctx = { paths, secrets, nodeId: "bench", hostname: "bench", log: pino({ level: "silent" }) };
  const client = await JellyfinClient.connect(ctx, config);
  const cache = new LibraryCache(await openDatabase(join(home, "media.db"), MIGRATIONS));
  const options = { pageSize: config.jellyfin.page_size, fullEvery: 86_400 };

  const samples: Record<string, number[]> = {};
  const record = (name: string, value: number) => {
    samples[name] = [...(samples[name] ?? []), value];
  };
  const time = async (name: string, fn: () => Promise<unknown>) => {
    const start = performance.now();
    await fn();
    record(name, performance.now() - start);
  };
  const views = await client.views();
  /** Every item over HTTP, paged as the refresh pages, parsed, nothing stored. */
  const rawRead = async () => {
    for (const view of views) {
      for (let start = 0; ; start += options.pageSize) {
        const page = await client.itemsPage({
          libraryId: view.Id,
          startIndex: start,
          limit: options.pageSize,
        });
        if (page.Items.length < options.pageSize) break;
      }
    }
  };

  await refreshLibrary(client, cache, { ...options, full: true });
  const cached = cache.state().items;
  for (let i = 0; i < runs; i++) {
    await time("read every item over HTTP, cache nothing (baseline)", rawRead);
    await time("full refresh", () => refreshLibrary(client, cache, { ...options, full: true }));
    await time("incremental refresh, nothing changed", () => refreshLibrary(client, cache, options));
    await server.touch(50);
    await time("incremental refresh, 50 items re-saved", () => refreshLibrary(client, cache, options));
  }
  const base = median(samples["read every item over HTTP, cache nothing (baseline)"]!);
  const full = median(samples["full refresh"]!);
  table(
    `Jellyfin library refresh, ${cached} cached items (${runs} runs each, Node ${process.version})`,
    ["case", "p50 ms", "p90 ms", "ratio to the HTTP read (p50)", "ratio to a full refresh (p50)"],
    // bench/lib.ts declares its rows as one flat row (its type, not its output, is off).
    Object.entries(samples).map(([name, values]) => [
      name,
      median(values),
      percentile(values, 90),
      median(values) / base,
      median(values) / full,
    ]) as unknown as Parameters<typeof table>[2],
  );
} finally {
  server.stop();
  rmSync(home, { recursive: true, force: true });
}
