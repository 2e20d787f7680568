import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BukuDb } from "../../../src/modules/files/bookmarks/buku-db.ts";
import { parseTagQuery } from "../../../src/modules/files/bookmarks/tags.ts";
import { type BukuJson, bukuAdd, bukuPrint, bukuSearch } from "../../fixtures/files/buku.ts";
import { freePort, makeSandbox, repoRoot, runCli, type Sandbox, waitFor } from "../../helpers/sandbox.ts";

let sandbox: Sandbox;
let dbPath: string;
let server: Server;
let base: string;

const SEED = [
  {
    url: "https://docs.python.org/3/library/pathlib.html",
    title: "pathlib — Object-oriented filesystem paths",
    tags: "python, docs,Reference",
    description: "Classes representing filesystem paths with semantics appropriate for different OSes.",
  },
  { url: "https://lwn.net/", title: "LWN.net", tags: "linux,news", description: "Linux Weekly News" },
  {
    url: "https://www.kernel.org/doc/html/latest/",
    title: "The Linux Kernel documentation",
    tags: "linux,docs",
    description: "",
  },
  {
    url: "https://news.ycombinator.com/",
    title: "Hacker News",
    tags: "news",
    description: "links and comments",
  },
  {
    url: "https://wiki.archlinux.org/title/Sway",
    title: "Sway - ArchWiki",
    tags: "linux,wayland,desktop",
    description: "tiling Wayland compositor",
  },
  {
    url: "https://github.com/jarun/buku",
    title: "buku: bookmark manager",
    tags: "",
    description: "Python CLI",
  },
];

beforeAll(async () => {
  sandbox = makeSandbox();
  dbPath = join(sandbox.env.XDG_DATA_HOME!, "buku", "bookmarks.db");
  for (const bookmark of SEED) await bukuAdd(sandbox.env, bookmark);
  // A page with a title and description, for `add` to fetch as buku does.
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = createServer((req, res) => {
    if (req.url === "/article") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        '<!doctype html><html><head><meta charset="utf-8"><title>Caf&eacute; &amp; Bar — Notes</title>' +
          '<meta name="description" content="Opening hours &amp; menu"></head><body>hi</body></html>',
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  sandbox?.cleanup();
});

async function withDb<T>(work: (db: BukuDb) => T): Promise<T> {
  const db = await BukuDb.open(dbPath, { create: false });
  try {
    return work(db);
  } finally {
    db.close();
  }
}

const ids = (list: ReadonlyArray<{ id: number } | BukuJson>) => list.map((b) => ("id" in b ? b.id : b.index));

describe("buku databases read and written with node:sqlite", () => {
  it("reads every bookmark buku wrote, field by field", async () => {
    const printed = await bukuPrint(sandbox.env);
    const ours = await withDb((db) => db.all());
    expect(
      ours.map((b) => ({
        index: b.id,
        uri: b.url,
        title: b.title,
        tags: b.tags.join(","),
        description: b.description,
      })),
    ).toEqual(printed);
    expect(ours[0]!.tags).toEqual(["docs", "python", "reference"]);
  });

  it.each([
    [["linux"], {}, ["-s", "linux"]],
    [["news", "docs"], {}, ["-s", "news", "docs"]],
    [["linux", "docs"], { all: true }, ["-S", "linux", "docs"]],
    [["pyth"], {}, ["-s", "pyth"]],
    [["pyth"], { deep: true }, ["--deep", "-s", "pyth"]],
    [["wayland/"], {}, ["-s", "wayland/"]],
  ] as const)("finds what buku finds for %j %j", async (keywords, options, args) => {
    const ours = await withDb((db) => db.search(keywords, options));
    expect(ids(ours)).toEqual(ids(await bukuSearch(sandbox.env, args)));
  });

  it.each(["news, docs", "linux + docs", "linux - news", "- linux"])(
    "filters tags as buku --stag %j",
    async (query) => {
      const ours = await withDb((db) => db.search([], { tags: parseTagQuery(query)! }));
      const theirs = await bukuSearch(sandbox.env, ["-t", query]);
      expect(ids(ours).sort()).toEqual(ids(theirs).sort());
      expect(ours.length).toBeGreaterThan(0);
    },
  );
});

describe("deskhub bookmarks", () => {
  it("adds a bookmark buku reads back, tags normalised the way buku stores them", async () => {
    const result = await runCli(
      [
        "bookmarks",
        "add",
        "https://sqlite.org/lang.html",
        "--title",
        "SQL As Understood By SQLite",
        "--tag",
        "SQL, docs ,db",
        "--no-fetch",
        "--json",
      ],
      sandbox.env,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 7, tags: ["db", "docs", "sql"] });
    const printed = await bukuPrint(sandbox.env);
    expect(printed.at(-1)).toEqual({
      index: 7,
      uri: "https://sqlite.org/lang.html",
      title: "SQL As Understood By SQLite",
      tags: "db,docs,sql",
      description: "",
    });
  });

  it("fetches the page's title and description when none is given", async () => {
    const result = await runCli(
      ["bookmarks", "add", `${base}/article`, "--tag", "food", "--json"],
      sandbox.env,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      title: "Café & Bar — Notes",
      description: "Opening hours & menu",
    });
  });

  it("refuses a URL that is already bookmarked, naming its index", async () => {
    const result = await runCli(["bookmarks", "add", "https://lwn.net/", "--no-fetch"], sandbox.env);
    expect(result.code).toBe(65);
    expect(result.stderr).toContain("already bookmarked (index 2)");
    expect(await withDb((db) => db.count())).toBe(SEED.length + 2);
  });

  it("searches from the command line", async () => {
    const result = await runCli(["bookmarks", "search", "linux", "--tag", "docs", "--json"], sandbox.env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).map((b: { url: string }) => b.url)).toEqual([
      "https://www.kernel.org/doc/html/latest/",
    ]);
  });

  it("opens the chosen bookmark in the browser through xdg-open", async () => {
    const opened = join(sandbox.root, "opened.txt");
    const env = {
      ...sandbox.env,
      BROWSER: join(repoRoot, "test/fixtures/files/record-open.sh"),
      DESKHUB_TEST_OPENED: opened,
    };
    const result = await runCli(["bookmarks", "open", "--tag", "wayland", "--query", "sway"], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(
      await waitFor(() => existsSync(opened) && readFileSync(opened, "utf8"), { what: "xdg-open" }),
    ).toBe("https://wiki.archlinux.org/title/Sway\n");
  });

  it("says so when nothing matches", async () => {
    const result = await runCli(["bookmarks", "open", "nonexistentword", "--query", "x"], sandbox.env);
    expect(result.code).toBe(65);
    expect(result.stderr).toContain("no bookmark matches");
  });
});
