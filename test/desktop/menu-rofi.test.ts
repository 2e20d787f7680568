import { type ChildProcess, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { askText, showMenu } from "../../src/desktop/menu.ts";
import { waitFor } from "../helpers/sandbox.ts";
import { startXvfb, xdotool as xdotoolOn } from "../helpers/xvfb.ts";

let xvfb: ChildProcess;
let display: string;
const dir = mkdtempSync(join(tmpdir(), "deskhub-rofi-"));

function xdotool(...args: string[]): string {
  return xdotoolOn(display, ...args);
}

/** Waits until rofi's window is mapped, so keystrokes reach it and not the void. */
async function rofiIsUp(): Promise<void> {
  await waitFor(() => xdotool("search", "--onlyvisible", "--class", "rofi").trim(), {
    timeout: 20_000,
    what: "rofi window",
  });
}

beforeAll(async () => {
  ({ child: xvfb, display } = await startXvfb());
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-f",
    "lavfi",
    "-i",
    "color=c=red:s=64x64",
    "-frames:v",
    "1",
    join(dir, "poster.png"),
  ]);
});

afterAll(() => {
  xvfb?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ PATH: process.env.PATH, DISPLAY: display, HOME: dir, LANG: "C.UTF-8" });

describe("showMenu through rofi under Xvfb", () => {
  it("returns the item the user typed towards and picked with Return", async () => {
    const items = [
      { label: "The Office (US)", value: "office", icon: join(dir, "poster.png") },
      { label: "Breaking Bad", value: "bb", icon: join(dir, "poster.png") },
      { label: "Severance", value: "sev", icon: join(dir, "poster.png"), meta: "thriller apple" },
    ];
    const chosen = showMenu(items, { prompt: "Watch", backend: "rofi", env: env() });
    await rofiIsUp();
    xdotool("type", "--delay", "15", "thriller");
    xdotool("key", "Return");
    expect(await chosen).toBe("sev");
  });

  it("tells two items with the same label apart", async () => {
    const items = [
      { label: "Pilot", value: "first" },
      { label: "Pilot", value: "second" },
    ];
    const chosen = showMenu(items, { prompt: "Episode", backend: "rofi", env: env() });
    await rofiIsUp();
    xdotool("key", "Down");
    xdotool("key", "Return");
    expect(await chosen).toBe("second");
  });

  it("is undefined when the user presses Escape, also where an icon's file is not there yet", async () => {
    const chosen = showMenu([{ label: "Anything", value: 1, icon: join(dir, "still-to-come.png") }], {
      prompt: "Watch",
      backend: "rofi",
      env: env(),
    });
    await rofiIsUp();
    xdotool("key", "Escape");
    expect(await chosen).toBeUndefined();
  });

  it("picks rofi by itself in an X11 session without a terminal", async () => {
    const chosen = showMenu(
      [
        { label: "alpha", value: "a" },
        { label: "beta", value: "b" },
      ],
      { prompt: "Auto", env: env() },
    );
    await rofiIsUp();
    xdotool("type", "--delay", "15", "bet");
    xdotool("key", "Return");
    expect(await chosen).toBe("b");
  });

  it("asks for a search text", async () => {
    const answer = askText({ prompt: "Search", backend: "rofi", env: env() });
    await rofiIsUp();
    xdotool("type", "--delay", "15", "mad men");
    xdotool("key", "Return");
    expect(await answer).toBe("mad men");
  });
});
