/** Words after which a full stop does not end a sentence. */
const ABBREVIATIONS = new Set([
  "mr",
  "mrs",
  "ms",
  "dr",
  "st",
  "vs",
  "etc",
  "e.g",
  "i.e",
  "approx",
  "no",
  "fig",
  "jr",
  "sr",
  "prof",
]);

/**
 * Splits streamed text into sentences as soon as each is complete, so the first one
 * can be spoken while the rest of the answer is still arriving.
 */
export class SentenceSplitter {
  #buffer = "";

  push(text: string): string[] {
    this.#buffer += text;
    const out: string[] = [];
    for (;;) {
      const end = this.#boundary();
      if (end < 0) break;
      const sentence = this.#buffer.slice(0, end).trim();
      this.#buffer = this.#buffer.slice(end);
      if (sentence) out.push(sentence);
    }
    return out;
  }

  /** The rest, when the text is complete. */
  flush(): string[] {
    const rest = this.#buffer.trim();
    this.#buffer = "";
    return rest ? [rest] : [];
  }

  #boundary(): number {
    const text = this.#buffer;
    const pattern = /([.!?…]+)(["')\]]*)(\s+)|\n\s*\n|\n(?=\s*[-*•\d])/g;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      if (match[1]?.startsWith(".")) {
        const before = text.slice(0, match.index).split(/\s/).at(-1)?.toLowerCase() ?? "";
        if (ABBREVIATIONS.has(before.replace(/^[("']/, ""))) continue;
        // "3." followed by a digit is a number; a single capital is an initial.
        if (/^\d+$/.test(before) && /^\s*\d/.test(text.slice(match.index + match[0].length))) continue;
        if (/^[A-Z]$/.test(text.slice(0, match.index).split(/\s/).at(-1) ?? "")) continue;
      }
      return match.index + match[0].length;
    }
    return -1;
  }
}

/** Text as an async stream of sentences, from a string or a stream of text pieces. */
export async function* sentences(input: string | AsyncIterable<string>): AsyncGenerator<string> {
  const splitter = new SentenceSplitter();
  if (typeof input === "string") {
    yield* splitter.push(input);
  } else {
    for await (const piece of input) yield* splitter.push(piece);
  }
  yield* splitter.flush();
}
