import type { Clipboard } from "./clipboard.ts";
import { resolvePasteChord } from "./focus.ts";
import type { KeySender, TypeOptions, Typer } from "./typer.ts";

/** Time for the focused app to read the clipboard before the old content returns. */
const RESTORE_AFTER_MS = 300;

/**
 * Clipboard and paste chord: works for any text in any app, and is the fallback where
 * no keyboard tool can type (GNOME and KDE Wayland refuse wtype's protocol). Without a
 * key sender the text is left on the clipboard for the user to paste.
 */
export function pasteTyper(clipboard: Clipboard, keys: KeySender | undefined, options: TypeOptions): Typer {
  return {
    name: keys ? `clipboard+${keys.name}` : clipboard.name,
    async type(text) {
      const previous = keys && options.restoreClipboard ? await clipboard.read() : undefined;
      await clipboard.write(text);
      if (!keys) return;
      await keys.chord(await resolvePasteChord(options.pasteChord, options.env));
      if (previous !== undefined && previous !== text) {
        await new Promise((resolve) => setTimeout(resolve, RESTORE_AFTER_MS));
        await clipboard.write(previous);
      }
    },
  };
}
