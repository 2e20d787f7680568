import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/core/errors.ts";
import { backendSpec } from "../../src/desktop/menu/backends.ts";
import { encodeRows, rowItems, rowValue } from "../../src/desktop/menu/rows.ts";
import {
  askText,
  backendChain,
  packRows,
  resolveBackend,
  showMenu,
  showRows,
} from "../../src/desktop/menu.ts";
import { detectSession } from "../../src/desktop/session.ts";

const shows = [
  { label: "The Office (US) — S02E01 The Dundies", value: "office-s2e1", meta: "comedy 2005" },
  { label: "Breaking Bad — S01E01 Pilot", value: "bb-s1e1", meta: "drama 2008" },
  { label: "Severance — S01E01 Good News About Hell", value: "sev-s1e1", meta: "thriller 2022" },
  { label: "Pilot", value: "other-pilot", meta: "a second item with a label the first one contains" },
];

const bin = mkdtempSync(join(tmpdir(), "deskhub-menu-bin-"));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** A PATH with only the named real programs on it, to see what the adapter does without the rest. */
function pathWith(...programs: string[]): string {
  const dir = mkdtempSync(join(bin, "path-"));
  for (const program of programs) symlinkSync(`/usr/bin/${program}`, join(dir, program));
  return dir;
}

describe("showMenu through real fzf in filter mode", () => {
  const env = { PATH: pathWith("fzf"), LANG: "C.UTF-8" };

  it("returns the value of the best match, not its label", async () => {
    expect(await showMenu(shows, { prompt: "Watch", env, filter: "sever" })).toBe("sev-s1e1");
    expect(await showMenu(shows, { prompt: "Watch", env, filter: "dundies" })).toBe("office-s2e1");
  });

  it("matches the meta words too", async () => {
    expect(await showMenu(shows, { prompt: "Watch", env, filter: "thriller" })).toBe("sev-s1e1");
  });

  it("keeps items with the same label apart", async () => {
    const twins = [
      { label: "Pilot", value: 1 },
      { label: "Pilot", value: 2, meta: "westworld" },
    ];
    expect(await showMenu(twins, { prompt: "Episode", env, filter: "westworld" })).toBe(2);
  });

  it("is undefined when nothing matches, as a cancelled menu is", async () => {
    expect(await showMenu(shows, { prompt: "Watch", env, filter: "zzzzqqq" })).toBeUndefined();
  });

  it("survives labels with tabs, newlines and control characters", async () => {
    const odd = [
      { label: "line one\nline two\tcol", value: "odd" },
      { label: "plain", value: "plain" },
    ];
    expect(await showMenu(odd, { prompt: "x", env, filter: "two col" })).toBe("odd");
  });

  it("handles twenty thousand items", async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({
      label: `Episode ${i} of the long show`,
      value: i,
    }));
    expect(await showMenu(many, { prompt: "x", env, filter: "'Episode 12345 " })).toBe(12345);
  });

  it("returns nothing for an empty list without starting a program", async () => {
    expect(await showMenu([], { prompt: "x", env: { PATH: "" }, filter: "a" })).toBeUndefined();
  });

  it("asks for text non-interactively with the filter as the answer", async () => {
    expect(await askText({ prompt: "Search", env, filter: "  severance " })).toBe("severance");
    expect(await askText({ prompt: "Search", env, filter: "" })).toBeUndefined();
  });
});

describe("packed rows", () => {
  const rows = [
    {
      value: "office-s2e1",
      icon: "poster-a",
      label: "The Office (US) — S02E01 The Dundies",
      meta: "comedy 2005",
    },
    { value: "bb-s1e1", label: "Breaking Bad — S01E01 Pilot", meta: "drama 2008" },
    { value: "sev-s1e1", icon: "poster-c", label: "Severance — Good News\tAbout\nHell" },
    { value: "ünïcode-ø", label: "Amélie 🎬", meta: "  romance\x1f2001  " },
    { value: "plain", label: "No icon, no meta" },
  ];
  const packed = packRows(rows);
  const icon = (key: string) => (key === "poster-a" ? "/cache/thumbs/a.png" : undefined);

  it("go to rofi and fzf as the same bytes their item encoders write", () => {
    const items = rowItems(packed, icon);
    expect(items.map((item) => item.label)).toEqual([
      "The Office (US) — S02E01 The Dundies",
      "Breaking Bad — S01E01 Pilot",
      "Severance — Good News About Hell",
      "Amélie 🎬",
      "No icon, no meta",
    ]);
    for (const name of ["rofi", "fzf"] as const) {
      const encoded = encodeRows(name, packed, icon)!;
      const expected = `${backendSpec(name).encode(items).join("\n")}\n`;
      expect(encoded.text.toString("utf8")).toBe(expected);
      expect(encoded.count).toBe(rows.length);
    }
    expect(encodeRows("rofi", packed, icon)!.icons).toBe(true);
    expect(encodeRows("rofi", packed, () => undefined)!.icons).toBe(false);
    expect(encodeRows("fuzzel", packed, icon)).toBeUndefined();
  });

  it("give each row's value back by index", () => {
    expect(rows.map((_, i) => rowValue(packed, i))).toEqual(rows.map((row) => row.value));
    expect(rowValue(packed, rows.length)).toBeUndefined();
  });

  it("pick through real fzf, matching meta words too", async () => {
    const env = { PATH: pathWith("fzf"), LANG: "C.UTF-8" };
    expect(await showRows(packed, { prompt: "Watch", env, filter: "sever", icon })).toBe("sev-s1e1");
    expect(await showRows(packed, { prompt: "Watch", env, filter: "romance", icon })).toBe("ünïcode-ø");
    expect(await showRows(packed, { prompt: "Watch", env, filter: "zzzz", icon })).toBeUndefined();
  });
});

describe("backend detection", () => {
  it("reads the session from the environment", () => {
    const none = { stdin: false, stderr: false };
    expect(detectSession({ WAYLAND_DISPLAY: "wayland-1", DISPLAY: ":0" }, none).display).toBe("wayland");
    expect(detectSession({ DISPLAY: ":0" }, none).display).toBe("x11");
    expect(detectSession({}, { stdin: true, stderr: true })).toMatchObject({ display: undefined, tty: true });
  });

  it("orders the chain by session: terminal first, native Wayland launchers before rofi", () => {
    expect(backendChain({ display: "wayland", tty: false, desktop: "sway" })).toEqual([
      "fuzzel",
      "wofi",
      "rofi",
    ]);
    expect(backendChain({ display: "x11", tty: false, desktop: undefined })).toEqual(["rofi", "dmenu"]);
    expect(backendChain({ display: "x11", tty: true, desktop: undefined })).toEqual(["fzf", "rofi", "dmenu"]);
    expect(backendChain({ display: undefined, tty: true, desktop: undefined })).toEqual(["fzf"]);
  });

  it("falls back along the chain to what is installed", async () => {
    const env = { PATH: pathWith("rofi"), WAYLAND_DISPLAY: "wayland-1" };
    const chosen = await resolveBackend("auto", env, detectSession(env, { stdin: false, stderr: false }));
    expect(chosen.name).toBe("rofi");
  });

  it("names every missing program when none is installed", async () => {
    const env = { PATH: pathWith(), WAYLAND_DISPLAY: "wayland-1" };
    const error = await resolveBackend(
      "auto",
      env,
      detectSession(env, { stdin: false, stderr: false }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain("fuzzel, wofi, rofi");
    expect((error as UserError).message).toContain("Wayland");
    expect((error as UserError).hint).toContain("install");
  });

  it("says which configured program is missing", async () => {
    const error = await showMenu(shows, {
      prompt: "x",
      backend: "fuzzel",
      env: { PATH: pathWith("fzf") },
    }).catch((e: unknown) => e);
    expect((error as UserError).message).toMatch(/"fuzzel" is not installed/);
  });

  it("says there is nowhere to show a menu without a display or terminal", async () => {
    const error = await resolveBackend(
      "auto",
      { PATH: pathWith("rofi") },
      { display: undefined, tty: false, desktop: undefined },
    ).catch((e: unknown) => e);
    expect((error as UserError).message).toMatch(/no graphical session/);
  });

  it("reports a menu that could not show itself instead of treating it as a cancel", async () => {
    const error = await showMenu(shows, {
      prompt: "x",
      backend: "rofi",
      env: { PATH: pathWith("rofi"), DISPLAY: ":31999" },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/rofi.*exit code 1/);
  });

  it("reports fzf without a terminal as an error", async () => {
    const script = join(bin, "fzf-detached");
    writeFileSync(script, `#!/bin/sh\nexec /usr/bin/setsid -w /usr/bin/fzf "$@"\n`);
    chmodSync(script, 0o755);
    const dir = mkdtempSync(join(bin, "path-"));
    symlinkSync(script, join(dir, "fzf"));
    const error = await showMenu(shows, { prompt: "x", backend: "fzf", env: { PATH: dir } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/fzf.*exit code 2/);
  });
});
