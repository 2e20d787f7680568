/** Words after which a full stop does not end a sentence. */
const ABBREVIATIONS = new Set([
  "mr",
  "mrs",
  "ms",
  "dr",
  "prof",
  "st",
  "sr",
  "jr",
  "vs",
  "cf",
  "approx",
  "fig",
  "mt",
  "no",
  "nr",
  "ca",
  "inc",
  "ltd",
  "jan",
  "feb",
  "aug",
  "sept",
  "oct",
  "nov",
  "dec",
]);

const TERMINAL = /[.!?…]/;
const CLOSERS = /["'”’)\]]/;

export interface SentenceStreamOptions {
  /** A sentence that looks complete is emitted after this long without more text. */
  flushMs: number;
  /** With no boundary in sight, text is cut at a comma past this length, so speech never waits long. */
  maxChars?: number;
}

/**
 * Turns streamed text into sentences the moment each is complete, so the first one is
 * spoken while the model is still writing the rest. A full stop ends a sentence only
 * when what follows shows it does: not after "Dr." or "e.g.", not inside 3.14, not
 * before a lower-case word. When the text stalls (the model is calling a tool, or the
 * answer ended without a final newline) a complete-looking sentence goes out after
 * `flushMs`. Fenced code blocks are not read aloud.
 */
export class SentenceStream {
  #buffer = "";
  #timer: NodeJS.Timeout | undefined;
  #emit: (sentence: string) => void;
  #options: Required<SentenceStreamOptions>;

  constructor(emit: (sentence: string) => void, options: SentenceStreamOptions) {
    this.#emit = emit;
    this.#options = { maxChars: 280, ...options };
  }

  push(text: string): void {
    clearTimeout(this.#timer);
    this.#buffer = dropClosedFences(this.#buffer + text);
    for (;;) {
      const visible = beforeOpenFence(this.#buffer);
      const end = boundary(visible);
      if (end < 0) break;
      this.#out(this.#buffer.slice(0, end));
      this.#buffer = this.#buffer.slice(end);
    }
    const visible = beforeOpenFence(this.#buffer);
    if (visible.length > this.#options.maxChars) this.#cutLong(visible);
    if (visible.length === this.#buffer.length && looksComplete(this.#buffer)) {
      this.#timer = setTimeout(() => this.flush(), this.#options.flushMs);
      this.#timer.unref?.();
    }
  }

  /** The end of a block of text (a tool call follows, or the answer is over): the rest goes out. */
  flush(): void {
    clearTimeout(this.#timer);
    const rest = beforeOpenFence(this.#buffer);
    this.#buffer = "";
    this.#out(rest);
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#buffer = "";
  }

  #out(text: string): void {
    const sentence = speakable(text);
    if (/[\p{L}\p{N}]/u.test(sentence)) this.#emit(sentence);
  }

  #cutLong(visible: string): void {
    const cut = Math.max(visible.lastIndexOf(", "), visible.lastIndexOf("; "), visible.lastIndexOf(": "));
    if (cut < 80) return;
    this.#out(this.#buffer.slice(0, cut + 1));
    this.#buffer = this.#buffer.slice(cut + 1);
  }
}

const CLOSED_FENCE = /(^|\n)[ \t]*(```|~~~)[^\n]*\n[\s\S]*?\n[ \t]*\2[ \t]*(?=\n|$)/g;
const OPEN_FENCE = /(^|\n)[ \t]*(```|~~~)/;

/** Code is for the screen, not for the ear: fenced blocks are dropped. */
function dropClosedFences(text: string): string {
  return text.replace(CLOSED_FENCE, "$1");
}

/** The text before a fence that has opened but not yet closed. */
function beforeOpenFence(text: string): string {
  const open = OPEN_FENCE.exec(text);
  return open ? text.slice(0, open.index + open[1]!.length) : text;
}

/** The index just past the first sentence end in `text`, or -1. */
export function boundary(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === "\n") {
      // A blank line, or a new list item, ends what came before.
      const rest = text.slice(i + 1);
      if (/^\s*\n/.test(rest) || /^\s*([-*•]|\d+[.)])\s/.test(rest)) return i + 1;
      continue;
    }
    if (!TERMINAL.test(char)) continue;
    let end = i + 1;
    while (end < text.length && (TERMINAL.test(text[end]!) || CLOSERS.test(text[end]!))) end++;
    if (end >= text.length || !/\s/.test(text[end]!)) {
      i = end - 1;
      continue;
    }
    const marks = text.slice(i, end);
    if (/[!?]/.test(marks)) return end;
    const next = /\S/.exec(text.slice(end));
    if (!next) return -1; // What follows decides; wait for it (or for the flush timer).
    const ellipsis = marks.startsWith("...") || marks.startsWith("…");
    const continues = ellipsis
      ? !/[\p{Lu}\p{N}"“]/u.test(next[0])
      : fullStopContinues(text.slice(0, i), next[0]);
    if (continues) {
      i = end - 1;
      continue;
    }
    return end;
  }
  return -1;
}

function fullStopContinues(before: string, next: string): boolean {
  if (/\p{Ll}/u.test(next)) return true;
  const word = /([\p{L}\p{N}.]+)$/u.exec(before)?.[1] ?? "";
  const lower = word.toLowerCase();
  if (ABBREVIATIONS.has(lower)) return true;
  // e.g / i.e / U.S: dotted abbreviations; a lone capital is an initial (J. R. R. Tolkien).
  if (/^(\p{L}\.)+\p{L}$/u.test(word)) return true;
  if (/^\p{Lu}$/u.test(word)) return true;
  return false;
}

/** Whether the text, with nothing more coming, would end a sentence. */
function looksComplete(text: string): boolean {
  const trimmed = text.trimEnd();
  if (!trimmed) return false;
  if (/\d\.$/.test(trimmed)) return false; // "3." may be "3.14" on its way.
  return /[.!?…]["'”’)\]]*$/.test(trimmed);
}

/** Markdown that reads badly aloud: emphasis, inline code, links, headings and list markers. */
export function speakable(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,!?:;]|$)/g, "$1$2")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/^\s*#{1,6}\s+/gm, "")
    .replace(/^\s*([-*•]|\d+[.)])\s+/gm, "")
    .replace(/\s+/g, " ")
    .trim();
}
