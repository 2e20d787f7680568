import { runTool } from "./run.ts";
import type { KeySender, TypeOptions, Typer } from "./typer.ts";

/**
 * xdotool (X11 and XWayland windows). `--clearmodifiers` lifts keys still held (the
 * push-to-talk Ctrl, the AI Shift) while typing and restores them after, so the text
 * does not come out as shortcuts and no modifier is left stuck.
 */
export function xdotoolTyper(path: string, options: TypeOptions): Typer & KeySender {
  return {
    name: "xdotool",
    async type(text) {
      await runTool(path, ["type", "--clearmodifiers", "--delay", String(options.keyDelayMs), "--", text], {
        env: options.env,
      });
    },
    async chord(chord) {
      const key = chord === "shift+insert" ? "shift+Insert" : chord;
      await runTool(path, ["key", "--clearmodifiers", key], { env: options.env });
    },
  };
}
