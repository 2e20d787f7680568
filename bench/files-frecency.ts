/**
 * Recent files at 10,000 entries: what `deskhub recent list`, `recent add` and
 * `recent cleanup` do, against the floor of the same work — reading and JSON-parsing
 * the same fre store (and writing it back; and stat-ing every path) — in the same run.
 * The last rows are the whole CLI against a bare `node` reading the same file, and
 * against `deskhub config path`, which pays what every module command pays to start
 * (every module's commands and the config) and does nothing else.
 *
 *   node bench/files-frecency.ts [entries] [iterations]     (default 10000, 30)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupStore } from "../src/modules/files/recent/cleanup.ts";
import { serializeFre } from "../src/modules/files/recent/fre-json.ts";
import { FrecencyStore } from "../src/modules/files/recent/fre-store.ts";
import { readStore, writeStore } from "../src/modules/files/recent/lists.ts";
import { median, table, timeCommand } from "./lib.ts";

const ENTRIES = Number(process.argv[2] ?? 10_000);
const ITERATIONS = Number(process.argv[3] ?? 30);
const CLI_RUNS = 7;

async function measure(op: () => Promise<unknown>, iterations = ITERATIONS): Promise<number> {
  for (let i = 0; i < 3; i++) await op();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    await op();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

const root = mkdtempSync(join(tmpdir(), "deskhub-bench-files-"));
try {
  const data = join(root, "data");
  const files = join(root, "home");
  mkdirSync(join(data, "frecent"), { recursive: true });
  mkdirSync(files, { recursive: true });
  const storePath = join(data, "frecent", "files.json");

  // A store as fre leaves it after months of use: real files, visits spread over 90 days.
  const now = Date.now() / 1000;
  const store = FrecencyStore.empty(now - 90 * 86_400);
  for (let i = 0; i < ENTRIES; i++) {
    const path = join(files, `dir${i % 100}`, `file-${i}.txt`);
    if (i < 100) mkdirSync(join(files, `dir${i}`), { recursive: true });
    writeFileSync(path, "");
    const visits = 1 + (i % 7);
    for (let v = 0; v < visits; v++) store.visit(path, now - ((i * 7919 + v * 104_729) % (90 * 86_400)), now);
  }
  await writeStore(storePath, store);
  const bytes = (await stat(storePath)).size;

  const baselineRead = await measure(async () => JSON.parse(await readFile(storePath, "utf8")));
  const list = await measure(async () => {
    const t = Date.now() / 1000;
    const s = await readStore(storePath, t, 259_200);
    return s
      .sorted("frecent")
      .slice(0, 20)
      .map((item) => [item.item, s.score(item, t)]);
  });

  const copy = join(root, "copy.json");
  await writeFile(copy, await readFile(storePath));
  const baselineWrite = await measure(async () => {
    const json = JSON.parse(await readFile(copy, "utf8"));
    await writeFile(copy, JSON.stringify(json, null, 2));
  });
  const add = await measure(async () => {
    const t = Date.now() / 1000;
    const s = await readStore(storePath, t, 259_200);
    s.add(join(files, "dir1", "file-1.txt"), t);
    await writeStore(storePath, s);
  });
  const serialize = await measure(async () => serializeFre(store.toFile()));
  const baselineStringify = await measure(async () => JSON.stringify(store.toFile(), null, 2));

  const paths = store.items.map((item) => item.item);
  const baselineStat = await measure(async () => Promise.all(paths.map((path) => stat(path))), 10);
  const cleanup = await measure(async () => {
    const s = await readStore(storePath, Date.now() / 1000, 259_200);
    return cleanupStore(s, { keep: 0, now: Date.now() / 1000 });
  }, 10);

  const env = { ...process.env, XDG_DATA_HOME: data, XDG_CONFIG_HOME: join(root, "config"), HOME: files };
  const cliTimes: number[] = [];
  const startTimes: number[] = [];
  const nodeTimes: number[] = [];
  const main = new URL("../src/main.ts", import.meta.url).pathname;
  for (let i = 0; i < CLI_RUNS; i++) {
    nodeTimes.push(
      timeCommand(
        process.execPath,
        ["-e", `JSON.parse(require("fs").readFileSync(${JSON.stringify(storePath)}, "utf8"))`],
        env,
      ),
    );
    cliTimes.push(timeCommand(process.execPath, [main, "recent", "list", "--limit", "20"], env));
    startTimes.push(timeCommand(process.execPath, [main, "config", "path"], env));
  }
  const startup = median(startTimes);
  const cli = median(cliTimes);
  const bare = median(nodeTimes);

  table(
    `fre store, ${ENTRIES} entries (${(bytes / 1024).toFixed(0)} KiB), median of ${ITERATIONS} (cleanup 10, CLI ${CLI_RUNS})`,
    ["operation", "deskhub ms", "baseline", "baseline ms", "ratio"],
    [
      [
        "rank: read + validate + sort + top 20",
        list,
        "readFile + JSON.parse",
        baselineRead,
        list / baselineRead,
      ],
      [
        "add: read + visit + write (fre format, atomic)",
        add,
        "readFile + JSON.parse + stringify + writeFile",
        baselineWrite,
        add / baselineWrite,
      ],
      [
        "serialize in fre's exact format",
        serialize,
        "JSON.stringify(…, 2)",
        baselineStringify,
        serialize / baselineStringify,
      ],
      [
        "cleanup: read + stat + realpath every path",
        cleanup,
        "stat every path",
        baselineStat,
        cleanup / baselineStat,
      ],
      ["CLI: deskhub recent list --limit 20", cli, "node -e JSON.parse(readFileSync)", bare, cli / bare],
      [
        "CLI: the list's own share",
        cli - startup,
        "deskhub config path (start + config)",
        startup,
        cli / startup,
      ],
    ],
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
