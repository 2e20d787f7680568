import { execFile } from "node:child_process";
import { runTool } from "./run.ts";
import { type KeySender, type PasteChord, type TypeOptions, type Typer, UnsupportedText } from "./typer.ts";

/**
 * ydotool's command line changed twice: 0.1.x (Debian bookworm's 0.1.8) has `type
 * --delay` (a wait before typing, 100 ms by default) and named keys; 0.2 dropped
 * `--delay`; 1.x talks to ydotoold and takes raw key codes (`29:1 47:1 47:0 29:0`).
 */
export type YdotoolSyntax = "0.1" | "0.2" | "1";

function help(path: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve) =>
    execFile(path, args, { timeout: 3000, env }, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`)),
  );
}

export async function detectYdotoolSyntax(path: string, env: NodeJS.ProcessEnv): Promise<YdotoolSyntax> {
  if (/KEYCODE/i.test(await help(path, ["key", "--help"], env))) return "1";
  return (await help(path, ["type", "--help"], env)).includes("--next-delay") ? "0.2" : "0.1";
}

/** Linux input key codes (input-event-codes.h) for the paste chords. */
const CODES: Record<Exclude<PasteChord, "auto">, number[]> = {
  "ctrl+v": [29, 47],
  "ctrl+shift+v": [29, 42, 47],
  "shift+insert": [42, 110],
};

const NAMES: Record<Exclude<PasteChord, "auto">, string> = {
  "ctrl+v": "ctrl+v",
  "ctrl+shift+v": "ctrl+shift+v",
  "shift+insert": "shift+Insert",
};

export function typeArgs(syntax: YdotoolSyntax, keyDelayMs: number): string[] {
  const delay = String(keyDelayMs);
  // Text goes through stdin (/dev/stdin, as 0.1.8 opens "-" as a file name), so no
  // version's option parser can mistake it for an option.
  const file = ["--file", "/dev/stdin"];
  switch (syntax) {
    case "0.1":
      return ["type", "--delay", "0", "--key-delay", delay, ...file];
    case "0.2":
      return ["type", "--key-delay", delay, ...file];
    case "1":
      // 1.0.x swapped -d and -D internally; setting both makes either mapping right.
      return ["type", "--key-delay", delay, "--next-delay", delay, ...file];
  }
}

export function chordArgs(syntax: YdotoolSyntax, chord: Exclude<PasteChord, "auto">): string[] {
  if (syntax !== "1") return ["key", NAMES[chord]];
  const codes = CODES[chord];
  return ["key", ...codes.map((c) => `${c}:1`), ...[...codes].reverse().map((c) => `${c}:0`)];
}

/** Characters ydotool can type: it maps ASCII onto a US layout and skips the rest. */
const TYPABLE = /^[\x20-\x7e\t\n]*$/;

export function ydotoolTyper(path: string, syntax: YdotoolSyntax, options: TypeOptions): Typer & KeySender {
  return {
    name: "ydotool",
    async type(text) {
      if (!TYPABLE.test(text)) throw new UnsupportedText("ydotool", "it types ASCII only");
      await runTool(path, typeArgs(syntax, options.keyDelayMs), {
        env: options.env,
        input: text,
        pipeStdin: true,
      });
    },
    async chord(chord) {
      await runTool(path, chordArgs(syntax, chord), { env: options.env });
    },
  };
}
