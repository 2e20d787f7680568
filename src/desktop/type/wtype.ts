import { runTool } from "./run.ts";
import type { KeySender, PasteChord, TypeOptions, Typer } from "./typer.ts";

const CHORDS: Record<Exclude<PasteChord, "auto">, string[]> = {
  "ctrl+v": ["-M", "ctrl", "-k", "v", "-m", "ctrl"],
  "ctrl+shift+v": ["-M", "ctrl", "-M", "shift", "-k", "v", "-m", "shift", "-m", "ctrl"],
  "shift+insert": ["-M", "shift", "-k", "Insert", "-m", "shift"],
};

/**
 * wtype: the Wayland virtual-keyboard protocol (wlroots compositors: Sway, Hyprland,
 * river). It uploads a keymap for each character, so any Unicode text types.
 */
export function wtypeTyper(path: string, options: TypeOptions): Typer & KeySender {
  return {
    name: "wtype",
    async type(text) {
      const delay = options.keyDelayMs > 0 ? ["-d", String(options.keyDelayMs)] : [];
      // `--` ends options, so text that starts with "-" is typed, not parsed.
      await runTool(path, [...delay, "--", text], { env: options.env });
    },
    async chord(chord) {
      await runTool(path, CHORDS[chord], { env: options.env });
    },
  };
}
