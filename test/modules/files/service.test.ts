import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonHandle, startDaemon } from "../../../src/app/daemon/daemon.ts";
import files from "../../../src/modules/files/index.ts";
import { bukuBulkAdd, bukuPrint } from "../../fixtures/files/buku.ts";
import { freePort, makeSandbox, repoRoot, runCli, type Sandbox, waitFor } from "../../helpers/sandbox.ts";

const fixtures = join(repoRoot, "test/fixtures/files");

describe("the files service in a running daemon", () => {
  let sandbox: Sandbox;
  let env: NodeJS.ProcessEnv;
  let daemon: DaemonHandle | undefined;
  let buku: string;
  let xbel: string;
  const value = (id: string) => daemon!.runtime.store.value(id);

  beforeAll(async () => {
    sandbox = makeSandbox({ DESKHUB_LOG_LEVEL: "error" });
    const keyFile = join(sandbox.root, "age-key.txt");
    copyFileSync(join(repoRoot, "test/fixtures/sops/key.txt"), keyFile);
    env = { ...sandbox.env, SOPS_AGE_KEY_FILE: keyFile };
    buku = join(env.XDG_DATA_HOME!, "buku");
    xbel = join(sandbox.root, "recently-used.xbel");
    chmodSync(keyFile, 0o600);

    mkdirSync(sandbox.configDir, { recursive: true });
    writeFileSync(
      join(sandbox.configDir, "config.yaml"),
      [
        "dashboard:",
        `  port: ${await freePort()}`,
        "files:",
        "  bookmarks: { first_name: personal }",
        "  recent:",
        "    cleanup_interval: 1s",
        "    xbel: true",
        `    xbel_file: ${xbel}`,
        "",
      ].join("\n"),
    );
    // Two bookmark databases, and a switch that was killed after its commit: the old
    // one still lies in plaintext next to its fresh .age.
    await bukuBulkAdd(env, [{ url: "https://lwn.net/", title: "LWN", tags: "news", description: "" }]);
    expect((await runCli(["bookmarks", "use", "work", "--create"], env)).code).toBe(0);
    await bukuBulkAdd(env, [
      { url: "https://intranet.example.com/", title: "Intranet", tags: "work", description: "" },
    ]);
    copyFileSync(join(buku, "work.db"), join(buku, "stale-copy"));
    expect((await runCli(["bookmarks", "use", "personal"], env)).code).toBe(0);
    copyFileSync(join(buku, "stale-copy"), join(buku, "work.db"));
    rmSync(join(buku, "stale-copy"));

    daemon = await startDaemon({ env, modules: [files] });
  });

  afterAll(async () => {
    await daemon?.stop();
    sandbox?.cleanup();
  });

  it("finishes the interrupted bookmark switch when it starts", () => {
    expect(
      readdirSync(buku)
        .filter((f) => !f.startsWith("."))
        .sort(),
    ).toEqual(["bookmarks.db", "personal.db", "work.db.age"]);
    expect(value("files.bookmarks_database")).toBe("personal");
    expect(daemon!.runtime.store.get("files.bookmarks_database")?.options).toEqual(["personal", "work"]);
  });

  it("switches the bookmark database when Home Assistant or the dashboard sets the select", async () => {
    await daemon!.runtime.store.run("files.bookmarks_use", { value: "work" }, "homeassistant");
    expect(readlinkSync(join(buku, "bookmarks.db"))).toBe("work.db");
    expect(value("files.bookmarks_database")).toBe("work");
    expect((await bukuPrint(env)).map((b) => b.uri)).toEqual(["https://intranet.example.com/"]);
  });

  it("cleans every list on its timer and publishes the count", async () => {
    const home = sandbox.home;
    const keep = join(home, "keep.txt");
    const gone = join(home, "gone.txt");
    writeFileSync(keep, "k");
    writeFileSync(gone, "g");
    expect((await runCli(["recent", "add", keep, gone], env)).code).toBe(0);
    rmSync(gone);
    await waitFor(
      () => {
        const items = JSON.parse(
          readFileSync(join(env.XDG_DATA_HOME!, "frecent", "files.json"), "utf8"),
        ).items;
        return items.length === 1 && items[0].item === keep;
      },
      { timeout: 10_000, what: "the cleanup timer" },
    );
    await waitFor(() => value("files.recent_items") === 1, { what: "files.recent_items" });
    expect(typeof value("files.recent_last_cleanup")).toBe("string");
  });

  it("imports the desktop's recently-used.xbel when it changes", async () => {
    // The fixture's files, moved into this sandbox's home so they exist (cleanup keeps them).
    const home = sandbox.home;
    const paths = [
      "Documents/report.odt",
      "Pictures/Screenshots/Screenshot from 2024-05-19 21-03-44.png",
      "Música/canción.mp3",
    ];
    for (const path of paths) {
      mkdirSync(join(home, path, ".."), { recursive: true });
      writeFileSync(join(home, path), "x");
    }
    const text = readFileSync(join(fixtures, "recently-used.xbel"), "utf8").replaceAll(
      "file:///home/ana/",
      `${pathToFileURL(home).href}/`,
    );
    writeFileSync(xbel, text);
    await waitFor(() => value("files.recent_items") === 4, { timeout: 10_000, what: "the xbel import" });
    const items = JSON.parse(readFileSync(join(env.XDG_DATA_HOME!, "frecent", "files.json"), "utf8")).items;
    expect(items.map((item: { item: string }) => item.item).sort()).toEqual(
      [join(home, "keep.txt"), ...paths.map((path) => join(home, path))].sort(),
    );
  });

  it("stays degraded while one list is broken, whatever else works meanwhile", async () => {
    const health = () => daemon!.runtime.store.get("files.health")?.state;
    const broken = join(env.XDG_DATA_HOME!, "frecent", "broken.json");
    writeFileSync(broken, "{ not json");
    await waitFor(() => health()?.value === "degraded", { timeout: 10_000, what: "the cleanup to fail" });
    expect(String(health()?.attributes.message)).toContain(`recent cleanup: ${broken} is not valid JSON`);

    // A desktop import that works in between must not report the module well.
    const extra = join(sandbox.home, "Documents/extra.odt");
    writeFileSync(extra, "x");
    const text = readFileSync(xbel, "utf8").replace(
      "</xbel>",
      `  <bookmark href="${pathToFileURL(extra).href}" added="2024-05-21T08:00:00Z" modified="2024-05-21T08:00:00Z" visited="2024-05-21T08:00:00Z"/>\n</xbel>`,
    );
    writeFileSync(xbel, text);
    await waitFor(() => value("files.recent_items") === 5, { timeout: 10_000, what: "the xbel import" });
    expect(health()?.value).toBe("degraded");

    rmSync(broken);
    await waitFor(() => health()?.value === "running", { timeout: 10_000, what: "the module to recover" });
  });
});
