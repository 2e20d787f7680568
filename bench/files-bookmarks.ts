/**
 * Bookmarks at 10,000 per database (made by Debian's buku): searching the database in
 * use, and switching databases (decrypt one, encrypt and verify the other, fsync), each
 * against its floor measured in the same run — reading every row with node:sqlite, and
 * copying both files durably. The CLI rows put `deskhub bookmarks search` next to
 * `buku -s` on the same database.
 *
 *   node bench/files-bookmarks.ts [bookmarks] [iterations]     (default 10000, 20)
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { resolvePaths } from "../src/core/paths.ts";
import { BukuDb } from "../src/modules/files/bookmarks/buku-db.ts";
import { openVault } from "../src/modules/files/bookmarks/setup.ts";
import { FilesConfig } from "../src/modules/files/config.ts";
import { bukuBulkAdd } from "../test/fixtures/files/buku.ts";
import { median, table, timeCommand } from "./lib.ts";

const COUNT = Number(process.argv[2] ?? 10_000);
const ITERATIONS = Number(process.argv[3] ?? 20);
const CLI_RUNS = 7;

async function measure(op: () => Promise<unknown> | unknown, iterations = ITERATIONS): Promise<number> {
  for (let i = 0; i < 2; i++) await op();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    await op();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

const topics = ["linux", "python", "rust", "news", "docs", "music", "recipes", "travel", "work", "home"];
const pages = (prefix: string) =>
  Array.from({ length: COUNT }, (_, i) => ({
    url: `https://${prefix}${i % 97}.example.org/${topics[i % 10]}/article-${i}`,
    title: `${topics[i % 10]} article ${i} from ${prefix}`,
    tags: `${topics[i % 10]},${topics[(i * 3) % 10]},${prefix}`,
    description: `notes on ${topics[(i * 7) % 10]} and more (${i})`,
  }));

const root = mkdtempSync(join(tmpdir(), "deskhub-bench-bookmarks-"));
try {
  const keyFile = join(root, "key.txt");
  writeFileSync(keyFile, readFileSync(new URL("../test/fixtures/sops/key.txt", import.meta.url)), {
    mode: 0o600,
  });
  const env = {
    ...process.env,
    HOME: join(root, "home"),
    XDG_DATA_HOME: join(root, "data"),
    XDG_CONFIG_HOME: join(root, "config"),
    XDG_RUNTIME_DIR: join(root, "run"),
    SOPS_AGE_KEY_FILE: keyFile,
  };
  const paths = resolvePaths(env);
  const config = FilesConfig.parse({ bookmarks: { first_name: "personal" } }).bookmarks;
  const vault = () => openVault(config, env, paths);
  await bukuBulkAdd(env, pages("personal"));
  await vault().use("work", { create: true });
  await bukuBulkAdd(env, pages("work"));
  const live = join(paths.xdgDataHome, "buku", "bookmarks.db");
  const size = readFileSync(live).length;

  const baselineRows = await measure(() => {
    const db = new DatabaseSync(live);
    const rows = db.prepare("SELECT id, URL, metadata, tags, desc, flags FROM bookmarks").all();
    db.close();
    return rows;
  });
  const search = await measure(async () => {
    const db = await BukuDb.open(live, { create: false });
    const found = db.search(["linux", "rust"]);
    db.close();
    return found;
  });
  const searchTags = await measure(async () => {
    const db = await BukuDb.open(live, { create: false });
    const found = db.search(["article"], {
      all: true,
      tags: { tags: ["docs", "news"], mode: "all", excluded: [] },
    });
    db.close();
    return found;
  });

  // A switch there and back moves two databases through age; the floor moves the same bytes.
  const scratch = join(root, "scratch");
  const durableCopy = async (from: string, to: string) => {
    const data = await readFile(from);
    const handle = await open(to, "w");
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
  };
  copyFileSync(live, `${scratch}-a`);
  copyFileSync(live, `${scratch}-b`);
  const baselineSwitch = await measure(async () => {
    await durableCopy(`${scratch}-a`, `${scratch}-c`);
    await durableCopy(`${scratch}-b`, `${scratch}-d`);
  });
  let target = "personal";
  const switchOnce = await measure(async () => {
    await vault().use(target);
    target = target === "personal" ? "work" : "personal";
  });

  const main = new URL("../src/main.ts", import.meta.url).pathname;
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < CLI_RUNS; i++) {
    ours.push(timeCommand(process.execPath, [main, "bookmarks", "search", "linux", "rust", "--json"], env));
    theirs.push(
      timeCommand("buku", ["--nostdin", "--np", "-j", "-s", "linux", "rust"], {
        ...env,
        PYTHONWARNINGS: "ignore",
      }),
    );
  }

  table(
    `buku databases of ${COUNT} bookmarks (${(size / 1024).toFixed(0)} KiB), median of ${ITERATIONS} (CLI ${CLI_RUNS})`,
    ["operation", "deskhub ms", "baseline", "baseline ms", "ratio"],
    [
      [
        "search any of 2 keywords (open + read + match)",
        search,
        "SELECT every row (node:sqlite)",
        baselineRows,
        search / baselineRows,
      ],
      [
        "search all keywords + tags filter",
        searchTags,
        "SELECT every row (node:sqlite)",
        baselineRows,
        searchTags / baselineRows,
      ],
      [
        "switch: decrypt one, encrypt + verify the other",
        switchOnce,
        "durable copy of both files",
        baselineSwitch,
        switchOnce / baselineSwitch,
      ],
      [
        "CLI: deskhub bookmarks search linux rust",
        median(ours),
        "buku -s linux rust (same DB)",
        median(theirs),
        median(ours) / median(theirs),
      ],
    ],
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
