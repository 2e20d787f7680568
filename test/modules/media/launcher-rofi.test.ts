import type { ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { which } from "../../../src/core/proc.ts";
import { FakeJellyfin } from "../../fixtures/jellyfin/server.ts";
import { runCli, type Sandbox, spawnCli, waitFor } from "../../helpers/sandbox.ts";
import { startXvfb, xdotool } from "../../helpers/xvfb.ts";
import { mediaSandbox, shortFilm } from "./helpers.ts";

/**
 * The launcher as a key binding runs it: no terminal, rofi on an X display (Xvfb), a
 * person typing (xdotool). The real rofi is wrapped by a script that keeps each run's
 * arguments and stdin, so the test can see what the menu was given: its icons.
 */
let xvfb: ChildProcess;
let display: string;
let fake: FakeJellyfin;
let box: Sandbox;
let runs: string;

beforeAll(async () => {
  ({ child: xvfb, display } = await startXvfb());
  fake = new FakeJellyfin({ library: { movies: 40, series: 3 } });
  const key = fake.createApiKey();
  await fake.start();
  const rofi = await which("rofi", process.env);
  if (!rofi) throw new Error("rofi is not installed");

  box = mediaSandbox({ JELLYFIN_URL: fake.url, JELLYFIN_API_KEY: key, DISPLAY: display }, { menu: "rofi" });
  const bin = join(box.root, "bin");
  runs = join(box.root, "rofi-runs");
  mkdirSync(bin);
  mkdirSync(runs);
  writeFileSync(
    join(bin, "rofi"),
    `#!/bin/sh\nn=$(ls "${runs}" | grep -c args)\nprintf '%s\\n' "$@" > "${runs}/$n.args"\ntee "${runs}/$n.stdin" | "${rofi}" "$@"\n`,
  );
  chmodSync(join(bin, "rofi"), 0o755);
  box.env.PATH = [bin, box.env.PATH].join(delimiter);
});

afterAll(async () => {
  xvfb?.kill();
  await fake?.stop();
  box?.cleanup();
});

/**
 * Waits for the n-th rofi (counting from 0) to put its window up. The wrapper records a
 * run only once the launcher started it, which is after the previous rofi exited, so the
 * window found is this one's (X may give it the same id the last one had).
 */
async function rofiUp(n: number, launcher: ReturnType<typeof spawnCli>): Promise<void> {
  try {
    await waitFor(() => existsSync(join(runs, `${n}.args`)), { timeout: 20_000, what: `rofi run ${n}` });
    await waitFor(() => xdotool(display, "search", "--onlyvisible", "--class", "rofi").trim(), {
      timeout: 20_000,
      what: `rofi run ${n}'s window`,
    });
  } catch (error) {
    const server =
      xvfb.exitCode === null && xvfb.signalCode === null
        ? "running"
        : `gone (${xvfb.signalCode ?? xvfb.exitCode})`;
    throw new Error(`${(error as Error).message}\nXvfb: ${server}; the launcher said: ${launcher.output()}`);
  }
}

function run(n: number): { args: string[]; lines: string[] } {
  return {
    args: readFileSync(join(runs, `${n}.args`), "utf8")
      .trim()
      .split("\n"),
    lines: readFileSync(join(runs, `${n}.stdin`), "utf8").split("\n"),
  };
}

describe("deskhub media menu through rofi under Xvfb", () => {
  it("names each poster as an icon from the first menu on, and fetches the missing ones after it closes", async () => {
    const film = shortFilm(fake, "Rofi Feature");
    expect((await runCli(["media", "refresh"], box.env)).code).toBe(0);

    const first = spawnCli(["media", "menu", "--open", "everything"], box.env);
    await rofiUp(0, first);
    xdotool(display, "key", "Escape");
    expect(await first.exited, first.output()).toBe(0);
    const thumbs = join(box.env.XDG_CACHE_HOME!, "deskhub", "media", "thumbs");
    const poster = join(thumbs, `jf-${film.Id}-${film.ImageTag}.png`);
    // Named before it was fetched (rofi shows it once it is there), so the menu's input stays the same.
    expect(run(0).args).toContain("-show-icons");
    expect(run(0).lines).toContain(`Rofi Feature (2010)\0icon\x1f${poster}\x1fmeta\x1fmovie · 6m`);
    const named = run(0).lines.flatMap((line) => /\0icon\x1f([^\x1f]+)/.exec(line)?.[1] ?? []);
    expect(named.length).toBeGreaterThan(40);
    expect(named.filter((path) => !existsSync(path))).toEqual([]);
    expect(fake.requests.find((r) => r.path === `/Items/${film.Id}/Images/Primary`)?.search).toContain(
      "format=Png",
    );

    const second = spawnCli(["media", "menu", "--open", "everything"], box.env);
    await rofiUp(1, second);
    xdotool(display, "type", "--delay", "15", "rofi feature");
    xdotool(display, "key", "Return");
    await rofiUp(2, second);
    xdotool(display, "type", "--delay", "15", "mark played");
    xdotool(display, "key", "Return");
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain("Rofi Feature (2010): marked played");
    expect(fake.userData("alice", film.Id).Played).toBe(true);

    expect(run(1).lines).toEqual(run(0).lines);
    expect(readdirSync(thumbs).length).toBe(new Set(named).size);
    expect(run(2).lines.slice(0, 3)).toEqual(["Play", "Queue after what plays", "Mark played"]);
  });
});
