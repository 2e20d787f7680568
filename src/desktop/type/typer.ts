/** Something that puts text where the user's cursor is. */
export interface Typer {
  readonly name: string;
  type(text: string): Promise<void>;
}

export type PasteChord = "auto" | "ctrl+v" | "ctrl+shift+v" | "shift+insert";

export interface TypeOptions {
  env: NodeJS.ProcessEnv;
  /** Pause between keystrokes; some apps (VMs, remote desktops) drop fast input. */
  keyDelayMs: number;
  pasteChord: PasteChord;
  /** Put the user's clipboard back after a paste. */
  restoreClipboard: boolean;
}

/** Sends one key chord (the paste chord) to the focused window. */
export interface KeySender {
  readonly name: string;
  chord(chord: Exclude<PasteChord, "auto">): Promise<void>;
}

/**
 * The text is one this tool cannot type (ydotool and non-ASCII): the next tool in the
 * chain gets it, and this one stays in the chain for other text.
 */
export class UnsupportedText extends Error {
  constructor(tool: string, why: string) {
    super(`${tool} cannot type this text: ${why}`);
    this.name = "UnsupportedText";
  }
}
