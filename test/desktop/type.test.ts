import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clipboard } from "../../src/desktop/type/clipboard.ts";
import { createTyper, TyperChain } from "../../src/desktop/type/detect.ts";
import {
  focusedAppClass,
  isTerminal,
  parseWmClass,
  resolvePasteChord,
} from "../../src/desktop/type/focus.ts";
import { pasteTyper } from "../../src/desktop/type/paste.ts";
import { type KeySender, type Typer, UnsupportedText } from "../../src/desktop/type/typer.ts";
import { xdotoolTyper } from "../../src/desktop/type/xdotool.ts";
import { chordArgs, typeArgs, ydotoolTyper } from "../../src/desktop/type/ydotool.ts";
import { startXvfb } from "../helpers/xvfb.ts";
import { startXevWindow } from "../modules/voice/x11.ts";

const options = (env: NodeJS.ProcessEnv) => ({
  env,
  keyDelayMs: 5,
  pasteChord: "auto" as const,
  restoreClipboard: true,
});

describe("typing into a real X window (Xvfb + xev)", () => {
  let x: Awaited<ReturnType<typeof startXvfb>>;
  let target: Awaited<ReturnType<typeof startXevWindow>>;

  beforeAll(async () => {
    x = await startXvfb();
    target = await startXevWindow(x.env);
  });
  afterAll(async () => {
    await target?.stop();
    await x?.stop();
  });

  it("xdotool types ASCII, punctuation and accented letters into the focused window", async () => {
    const typer = xdotoolTyper("xdotool", options(x.env));
    await typer.type("Hello, wörld! -rf 42 ");
    await new Promise((r) => setTimeout(r, 300));
    expect(target.typed()).toBe("Hello, wörld! -rf 42 ");
  });

  it("detects xdotool for an X11 session and picks the paste chord from the focused app's class", async () => {
    const chain = await createTyper("auto", options(x.env));
    expect(chain.names[0]).toBe("xdotool");
    expect(chain.names).not.toContain("wtype");
    execFileSync("xdotool", ["set_window", "--classname", "kitty", "--class", "kitty", target.windowId], {
      env: x.env,
    });
    expect(await focusedAppClass(x.env)).toBe("kitty");
    expect(await resolvePasteChord("auto", x.env)).toBe("ctrl+shift+v");
    execFileSync(
      "xdotool",
      ["set_window", "--classname", "Navigator", "--class", "firefox", target.windowId],
      { env: x.env },
    );
    expect(await resolvePasteChord("auto", x.env)).toBe("ctrl+v");
    expect(parseWmClass('WM_CLASS(STRING) = "gnome-terminal-server", "Gnome-terminal"')).toBe(
      "Gnome-terminal",
    );
  });

  it("refuses xdotool on Wayland in auto mode (it would only reach XWayland windows)", async () => {
    await expect(createTyper("auto", options({ ...x.env, WAYLAND_DISPLAY: "wayland-1" }))).rejects.toThrow(
      /no way to type text in this Wayland session/,
    );
  });
});

describe("ydotool's two command lines", () => {
  it("uses 0.1.8's --delay 0 and named keys, 1.x's raw key codes", () => {
    expect(typeArgs("0.1", 12)).toEqual([
      "type",
      "--delay",
      "0",
      "--key-delay",
      "12",
      "--file",
      "/dev/stdin",
    ]);
    expect(typeArgs("0.2", 12)).toEqual(["type", "--key-delay", "12", "--file", "/dev/stdin"]);
    expect(typeArgs("1", 3)).toEqual([
      "type",
      "--key-delay",
      "3",
      "--next-delay",
      "3",
      "--file",
      "/dev/stdin",
    ]);
    expect(chordArgs("0.1", "ctrl+shift+v")).toEqual(["key", "ctrl+shift+v"]);
    expect(chordArgs("1", "ctrl+shift+v")).toEqual(["key", "29:1", "42:1", "47:1", "47:0", "42:0", "29:0"]);
    expect(chordArgs("1", "shift+insert")).toEqual(["key", "42:1", "110:1", "110:0", "42:0"]);
  });

  it("hands non-ASCII text on instead of typing it wrong", async () => {
    const typer = ydotoolTyper("ydotool", "1", options(process.env));
    await expect(typer.type("Grüße")).rejects.toBeInstanceOf(UnsupportedText);
  });
});

describe("fallback chain", () => {
  function recorder(name: string, fail?: Error): Typer & { got: string[] } {
    const got: string[] = [];
    return {
      name,
      got,
      async type(text) {
        if (fail) throw fail;
        got.push(text);
      },
    };
  }

  it("drops a tool that cannot run here and keeps one that only could not type this text", async () => {
    const broken = recorder("wtype", new Error("Compositor does not support the virtual keyboard protocol"));
    const asciiOnly: Typer & { got: string[] } = {
      name: "ydotool",
      got: [],
      async type(text) {
        if (/[^\x20-\x7e]/.test(text)) throw new UnsupportedText("ydotool", "ASCII only");
        this.got.push(text);
      },
    };
    const paste = recorder("clipboard");
    const chain = new TyperChain([broken, asciiOnly, paste]);
    await chain.type("naïve");
    await chain.type("plain");
    expect(paste.got).toEqual(["naïve"]);
    expect(asciiOnly.got).toEqual(["plain"]);
    expect(chain.names).toEqual(["ydotool", "clipboard"]);
  });

  it("fails with every tool's reason when none could type", async () => {
    const chain = new TyperChain([recorder("xdotool", new Error("Can't open display"))]);
    await expect(chain.type("x")).rejects.toThrow(/could not type the text: Can't open display/);
  });
});

describe("clipboard and paste chord", () => {
  it("pastes with the chord and puts the old clipboard back", async () => {
    let content: string | undefined = "what the user had copied";
    const writes: string[] = [];
    const clipboard: Clipboard = {
      name: "test-clipboard",
      read: async () => content,
      write: async (text) => {
        writes.push(text);
        content = text;
      },
    };
    const chords: string[] = [];
    const keys: KeySender = { name: "keys", chord: async (c) => void chords.push(c) };
    const typer = pasteTyper(clipboard, keys, { ...options({}), pasteChord: "ctrl+shift+v" });
    await typer.type("dictated text");
    expect(chords).toEqual(["ctrl+shift+v"]);
    expect(writes).toEqual(["dictated text", "what the user had copied"]);
  });

  it("knows terminals paste with Ctrl+Shift+V", () => {
    for (const app of [
      "kitty",
      "Alacritty",
      "foot",
      "org.wezfurlong.wezterm",
      "gnome-terminal-server",
      "XTerm",
      "com.mitchellh.ghostty",
    ]) {
      expect(isTerminal(app)).toBe(true);
    }
    for (const app of ["firefox", "org.gnome.TextEditor", "code", "Slack"])
      expect(isTerminal(app)).toBe(false);
  });
});
