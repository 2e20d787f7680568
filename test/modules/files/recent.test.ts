import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSandbox, repoRoot, runCli, type Sandbox, waitFor } from "../../helpers/sandbox.ts";

const fixtures = join(repoRoot, "test/fixtures/files");
let sandbox: Sandbox;
let store: string;
let home: string;

function file(path: string, text = "x"): string {
  const full = join(home, path);
  mkdirSync(join(full, ".."), { recursive: true });
  writeFileSync(full, text);
  return full;
}

interface Listed {
  path: string;
  score: number;
  accesses: number;
  last_access: string;
}

async function list(args: string[] = []): Promise<Listed[]> {
  const result = await runCli(["recent", "list", "--json", ...args], sandbox.env);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Listed[];
}

beforeAll(() => {
  sandbox = makeSandbox();
  home = sandbox.home;
  store = join(sandbox.env.XDG_DATA_HOME!, "frecent", "files.json");
});
afterAll(() => sandbox.cleanup());

describe("deskhub recent", () => {
  it("adds visits to the old scripts' store and lists them best first", async () => {
    const report = file("Documents/report.odt");
    const notes = file("notes.md");
    expect((await runCli(["recent", "add", report, notes], sandbox.env)).code).toBe(0);
    expect((await runCli(["recent", "add", report], sandbox.env)).code).toBe(0);
    const listed = await list();
    expect(listed.map((entry) => [entry.path, entry.accesses])).toEqual([
      [report, 2],
      [notes, 1],
    ]);
    expect(listed[0]!.score).toBeGreaterThan(1.99);
    // The store is fre's format: what fre --store reads.
    const json = JSON.parse(readFileSync(store, "utf8"));
    expect(Object.keys(json)).toEqual(["reference_time", "half_life", "items"]);
    expect(json.half_life).toBe(259200);
    expect(json.items.map((item: { item: string }) => item.item)).toEqual([report, notes]);
  });

  it("refuses a path that does not exist, naming it", async () => {
    const result = await runCli(["recent", "add", join(home, "nope.txt")], sandbox.env);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(join(home, "nope.txt"));
  });

  it("refuses a count that is not a whole number, naming the option", async () => {
    for (const args of [
      ["recent", "list", "--limit", "ten"],
      ["recent", "cleanup", "--keep", "-1"],
    ]) {
      const result = await runCli(args, sandbox.env);
      expect(result.code).toBe(64);
      expect(result.stderr).toContain(`'${args[2] === "--limit" ? "-n, --limit" : "-k, --keep"} <n>'`);
      expect(result.stderr).toContain("a whole number, 0 or more");
    }
  });

  it("shares fre's own default store as the list named fre, keeping its format", async () => {
    const freStore = join(sandbox.env.XDG_DATA_HOME!, "fre", "fre.json");
    mkdirSync(join(freStore, ".."), { recursive: true });
    copyFileSync(join(fixtures, "fre.json"), freStore);
    const before = JSON.parse(readFileSync(freStore, "utf8"));
    const listed = await list(["--list", "fre", "--sort", "frequent"]);
    expect(listed[0]!.path).toBe("/home/ana/Música/canción.mp3");
    expect(listed[0]!.accesses).toBe(14);
    const added = file("src/new.ts");
    expect((await runCli(["recent", "add", "--list", "fre", added], sandbox.env)).code).toBe(0);
    const text = readFileSync(freStore, "utf8");
    const after = JSON.parse(text);
    expect(after.items).toHaveLength(before.items.length + 1);
    for (const old of before.items) {
      expect(after.items.find((item: { item: string }) => item.item === old.item).num_accesses).toBe(
        old.num_accesses,
      );
    }
    expect(text).toMatch(/^\{\n {2}"reference_time": \d+\.\d+,\n {2}"half_life": 259200\.0,\n/);
    expect(text.endsWith("\n  ]\n}")).toBe(true);
  });

  it("cleans up: dry run by default, then --apply drops the gone, merges symlinks, keeps the best", async () => {
    const real = file("real/docs/plan.txt");
    mkdirSync(join(home, "links"), { recursive: true });
    symlinkSync(join(home, "real/docs"), join(home, "links/docs"));
    const viaLink = join(home, "links/docs/plan.txt");
    const doomed = file("tmp/old.log");
    const target = file("tmp/target.txt");
    const dangling = join(home, "tmp/shortcut.txt");
    symlinkSync(target, dangling);
    expect((await runCli(["recent", "add", real, viaLink, doomed, dangling], sandbox.env)).code).toBe(0);
    expect((await runCli(["recent", "add", viaLink], sandbox.env)).code).toBe(0);
    rmSync(doomed);
    rmSync(target);
    const before = readFileSync(store, "utf8");

    const dry = await runCli(["recent", "cleanup", "--json"], sandbox.env);
    expect(dry.code).toBe(0);
    const [plan] = JSON.parse(dry.stdout);
    expect(plan.applied).toBe(false);
    expect(plan.removed.sort()).toEqual([dangling, doomed].sort());
    expect(plan.merged).toEqual([{ into: viaLink, from: [real] }]);
    expect(readFileSync(store, "utf8")).toBe(before);

    const applied = await runCli(["recent", "cleanup", "--apply", "--keep", "2"], sandbox.env);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`gone     ${doomed}`);
    expect(applied.stdout).toContain(`dropped  ${join(home, "notes.md")}`);
    const after = await list();
    expect(after.map((entry) => [entry.path, entry.accesses])).toEqual([
      [viaLink, 3],
      [join(home, "Documents/report.odt"), 2],
    ]);
  });

  it("imports the desktop's recently-used.xbel once, local files only", async () => {
    const xbel = join(fixtures, "recently-used.xbel");
    const first = await runCli(
      ["recent", "import", "--list", "desktop", "--from", xbel, "--json"],
      sandbox.env,
    );
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).added).toEqual([
      "/home/ana/Pictures/Screenshots/Screenshot from 2024-05-19 21-03-44.png",
      "/home/ana/Música/canción.mp3",
      "/home/ana/Documents/report.odt",
    ]);
    const again = await runCli(
      ["recent", "import", "--list", "desktop", "--from", xbel, "--json"],
      sandbox.env,
    );
    expect(JSON.parse(again.stdout).added).toEqual([]);
    const listed = await list(["--list", "desktop", "--sort", "recent"]);
    expect(listed[0]!.path).toBe("/home/ana/Documents/report.odt");
    // fre stores last access as f32 seconds from its reference time: far from it, a step is seconds.
    expect(
      Math.abs(Date.parse(listed[0]!.last_access) - Date.parse("2024-05-20T09:40:11.902Z")),
    ).toBeLessThan(16_000);
  });

  it("opens the best match with xdg-open and records the visit", async () => {
    const opened = join(sandbox.root, "opened.txt");
    const env = { ...sandbox.env, BROWSER: join(fixtures, "record-open.sh"), DESKHUB_TEST_OPENED: opened };
    const target = file("Documents/report.odt");
    const before = (await list()).find((entry) => entry.path === target)!.accesses;
    const result = await runCli(["recent", "open", "--query", "report odt"], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(target);
    expect(
      await waitFor(() => existsSync(opened) && readFileSync(opened, "utf8"), { what: "xdg-open" }),
    ).toBe(`${target}\n`);
    expect((await list()).find((entry) => entry.path === target)!.accesses).toBe(before + 1);
  });

  it("refuses a store that is not fre's, and says how to start over", async () => {
    const broken = join(sandbox.env.XDG_DATA_HOME!, "frecent", "broken.json");
    writeFileSync(broken, '{"reference_time": "yesterday", "items": []}');
    const result = await runCli(["recent", "list", "--list", "broken"], sandbox.env);
    expect(result.code).toBe(65);
    expect(result.stderr).toContain(`${broken} is not a fre store`);
    expect(result.stderr).toContain("reference_time");
  });

  it("shows every list in files status", async () => {
    const result = await runCli(["files", "status", "--json"], sandbox.env);
    expect(result.code).toBe(0);
    const names = JSON.parse(result.stdout).recent.map((entry: { name: string }) => entry.name);
    expect(names).toEqual(expect.arrayContaining(["files", "fre", "desktop"]));
  });
});
