import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowValue } from "../../../src/desktop/menu/rows.ts";
import { menuAnswer } from "../../../src/desktop/menu.ts";
import { abandonEarlyMenu, openEarlyMenu, takeEarlyMenu } from "../../../src/modules/media/menu/early.ts";
import { type LibraryItem, TICKS_PER_SECOND } from "../../fixtures/jellyfin/library.ts";
import { FakeJellyfin } from "../../fixtures/jellyfin/server.ts";
import { runCli, type Sandbox } from "../../helpers/sandbox.ts";
import { makeClip, mediaSandbox, mpvArgs, shortFilm, writeConfig } from "./helpers.ts";

/**
 * The key-bound library menu (`media menu --open everything`) starts from the copy the
 * last run kept, before the CLI loads. The menu program is a stand-in for rofi: it
 * keeps each run's stdin and answers, like `rofi -format i`, with the index of the
 * first line holding the next text from a list of picks (none: a cancel; WAIT: a user
 * who does not answer).
 */
let fake: FakeJellyfin;
let box: Sandbox;
let runs: string;
let film: LibraryItem;
const config = { menu: "rofi", mpv: { args: mpvArgs(25) } };
const everything = ["--open", "everything"];

beforeAll(async () => {
  fake = new FakeJellyfin({ library: { movies: 60, series: 4 }, mediaFile: await makeClip() });
  const key = fake.createApiKey();
  film = shortFilm(fake, "Early Feature");
  await fake.start();
  box = mediaSandbox(
    { JELLYFIN_URL: fake.url, JELLYFIN_API_KEY: key, DISPLAY: ":0", DESKHUB_LOG_LEVEL: "debug" },
    config,
  );
  const bin = join(box.root, "bin");
  runs = join(box.root, "menu-runs");
  mkdirSync(bin);
  mkdirSync(runs);
  writeFileSync(join(runs, "picks"), "");
  writeFileSync(
    join(bin, "rofi"),
    `#!/bin/sh
n=$(ls "${runs}" | grep -c '[.]in$')
cat > "${runs}/$n.in"
pick=$(sed -n "$((n + 1))p" "${runs}/picks")
[ -n "$pick" ] || exit 1
[ "$pick" != WAIT ] || exec sleep 30
line=$(grep -a -n -m 1 -F -- "$pick" "${runs}/$n.in" | cut -d: -f1)
[ -n "$line" ] || exit 1
echo $((line - 1))
`,
  );
  chmodSync(join(bin, "rofi"), 0o755);
  box.env.PATH = [bin, box.env.PATH].join(delimiter);
  expect((await runCli(["media", "refresh"], box.env)).code).toBe(0);
});

afterAll(async () => {
  await fake?.stop();
  box?.cleanup();
});

const menuRuns = () => readdirSync(runs).filter((name) => name.endsWith(".in")).length;
const input = (n: number) => readFileSync(join(runs, `${n}.in`));
/** What the next menus will answer, in order; an empty string cancels. */
const answer = (...picks: string[]) =>
  writeFileSync(join(runs, "picks"), [...Array(menuRuns()).fill("-"), ...picks].join("\n"));

const KEPT = "the library menu was opened from its kept copy";

function withDb<T>(use: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(join(box.env.XDG_DATA_HOME!, "deskhub", "media.db"));
  try {
    return use(db);
  } finally {
    db.close();
  }
}

/** What any change to a shown item does, through jf_menu's triggers, with nothing else changed. */
const dropKeptMenus = () => withDb((db) => db.exec("DELETE FROM jf_menu"));

describe("the library menu from its kept copy", () => {
  it("shows what the last run showed, acts on the item picked, and is made again after a change", async () => {
    answer("");
    expect((await runCli(["media", "menu", ...everything], box.env)).code).toBe(0);
    const shown = input(menuRuns() - 1);

    const start = menuRuns();
    answer("Early Feature (2010)", "Mark played");
    const picked = await runCli(["media", "menu", ...everything], box.env);
    expect(picked.code).toBe(0);
    expect(picked.stderr).toContain(KEPT);
    expect(picked.stderr).toContain("Early Feature (2010): marked played");
    expect(fake.userData("alice", film.Id).Played).toBe(true);
    // One library menu and the item's actions: the CLI read the answer of the menu started early.
    expect(menuRuns() - start).toBe(2);
    expect(input(start).equals(shown)).toBe(true);

    // The mark dropped the kept copy with the rows; the process that made it made the copy again.
    answer("");
    const marked = await runCli(["media", "menu", ...everything], box.env);
    expect(marked.stderr).toContain(KEPT);
    const remade = input(menuRuns() - 1);
    expect(remade.toString()).toContain("Early Feature (2010)  [✓]");
    // Byte for byte what the launcher builds from the rows itself.
    dropKeptMenus();
    const built = await runCli(["media", "menu", ...everything], box.env);
    expect(built.stderr).not.toContain(KEPT);
    expect(input(menuRuns() - 1).equals(remade)).toBe(true);

    // A change by a writer that does not make the copy again (an older deskhub): built afresh, with it.
    withDb((db) =>
      db
        .prepare("UPDATE jf_items SET played = 0, position_ticks = ? WHERE id = ?")
        .run(1_200_000_000, film.Id),
    );
    const changed = await runCli(["media", "menu", ...everything], box.env);
    expect(changed.stderr).not.toContain(KEPT);
    expect(input(menuRuns() - 1).toString()).toContain("Early Feature (2010)  [▶ 2:00]");

    // A poster gone from the disk cache is fetched again, by a menu from the kept copy too.
    const poster = join(
      box.env.XDG_CACHE_HOME!,
      "deskhub",
      "media",
      "thumbs",
      `jf-${film.Id}-${film.ImageTag}.png`,
    );
    expect(existsSync(poster)).toBe(true);
    rmSync(poster);
    const again = await runCli(["media", "menu", ...everything], box.env);
    expect(again.stderr).toContain(KEPT);
    expect(input(menuRuns() - 1).equals(input(menuRuns() - 2))).toBe(true);
    expect(existsSync(poster)).toBe(true);
  });

  it("is started only while the command line, environment and config are as when it was kept", async () => {
    answer("");
    await runCli(["media", "menu", ...everything], box.env);

    answer("Early Feature (2010)");
    await openEarlyMenu(everything, box.env);
    const early = takeEarlyMenu();
    expect(early?.opened).toBeDefined();
    const picked = await menuAnswer(early!.opened!.menu);
    expect(rowValue(early!.opened!.rows, picked!)).toBe(film.Id);

    // A CLI that fails before its launcher takes the menu over closes it (main.ts), not the user.
    answer("WAIT");
    await openEarlyMenu(everything, box.env);
    await abandonEarlyMenu();

    const opens = async (args: string[], env: NodeJS.ProcessEnv) => {
      const before = menuRuns();
      await openEarlyMenu(args, env);
      const taken = takeEarlyMenu();
      if (taken?.opened) await menuAnswer(taken.opened.menu);
      return { key: taken?.key, opened: menuRuns() > before };
    };
    answer("");
    expect(await opens(["--open", "resume"], box.env)).toEqual({ key: undefined, opened: false });
    expect(await opens([...everything, "--no-refresh"], box.env)).toEqual({ key: undefined, opened: false });
    expect((await opens(everything, { ...box.env, DISPLAY: ":1" })).opened).toBe(false);
    expect((await opens(everything, { ...box.env, PWD: "/elsewhere" })).opened).toBe(true);

    writeConfig(box, { ...config, icons: false });
    expect((await opens(everything, box.env)).opened).toBe(false);
    writeConfig(box, config);
    expect((await opens(everything, box.env)).opened).toBe(true);

    // A poster fetched since changes nothing: the menu named its file already.
    writeFileSync(join(box.env.XDG_CACHE_HOME!, "deskhub", "media", "thumbs", "jf-0123-4567.png"), "");
    expect(await opens(everything, box.env)).toEqual({
      key: expect.stringMatching(/^menu:[0-9a-f]{32}$/),
      opened: true,
    });
  });

  it("is made again by a refresh, and by the player once a playback has ended", async () => {
    answer("");
    await runCli(["media", "menu", ...everything], box.env);
    Object.assign(fake.userData("alice", film.Id), {
      Played: false,
      PlaybackPositionTicks: 320 * TICKS_PER_SECOND,
      LastPlayedDate: new Date().toISOString(),
    });
    expect((await runCli(["media", "refresh"], box.env)).code).toBe(0);
    answer("");
    expect((await runCli(["media", "menu", ...everything], box.env)).stderr).toContain(KEPT);
    expect(input(menuRuns() - 1).toString()).toContain("Early Feature (2010)  [▶ 5:20]");

    // The last ten seconds, at 25 times the speed: played to the end, so marked watched.
    const play = await runCli(["media", "jellyfin", "play", film.Id], box.env);
    expect(play.code, play.stderr).toBe(0);
    expect(fake.userData("alice", film.Id).Played).toBe(true);
    answer("");
    expect((await runCli(["media", "menu", ...everything], box.env)).stderr).toContain(KEPT);
    expect(input(menuRuns() - 1).toString()).toContain("Early Feature (2010)  [✓]");
  }, 60_000);
});
