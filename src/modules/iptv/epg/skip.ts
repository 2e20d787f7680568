/** The guide elements a viewer may be denied, and the attribute that names their channel. */
const ELEMENTS = { channel: "id", programme: "channel" } as const;
type Element = keyof typeof ELEMENTS;
const NAMES = Object.keys(ELEMENTS) as Element[];

/** Markup that may hold a `<` that is not a tag, and what ends it. */
const SPECIALS = [
  ["<!--", "-->"],
  ["<![CDATA[", "]]>"],
  ["<?", "?>"],
] as const;

/** Enough text after a `<` to tell which of the above (or `</programme`) it starts. */
const LOOKAHEAD = 12;
/** A start tag longer than this is not waited for; the parser gets it as it comes. */
const MAX_TAG = 16 * 1024;

export interface GuideSkipperTarget {
  /** Text for the XML parser, in document order. */
  feed(text: string): void;
  /** Whether the parser, after all it was fed, stands between the root's children. */
  atTopLevel(): boolean;
  keep(channelId: string): boolean;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isNameEnd(code: number): boolean {
  return isSpace(code) || code === 0x2f || code === 0x3e;
}

/** Which guide element's name starts at `at`, if any. */
function elementAt(text: string, at: number): Element | undefined {
  for (const name of NAMES)
    if (text.startsWith(name, at) && isNameEnd(text.charCodeAt(at + name.length))) return name;
  return undefined;
}

/** Where the tag opened at `from` ends (its `>`, outside quoted values); -1 if not in `text` yet. */
function tagEnd(text: string, from: number): number {
  let quote = 0;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (quote) {
      if (code === quote) quote = 0;
    } else if (code === 0x22 || code === 0x27) quote = code;
    else if (code === 0x3e) return i;
  }
  return -1;
}

/** Whether `</name ... >` from `lt` to `gt` is a close tag (only whitespace before its `>`). */
function closeTag(text: string, lt: number, gt: number, name: Element): boolean {
  const from = lt + 2 + name.length;
  return gt === from || !text.slice(from, gt).trim();
}

/**
 * The channel the start tag from `lt` to its `>` at `end` names, when it can be read
 * as plainly as the parser would read it; undefined when in any doubt (entities, odd
 * whitespace, a malformed tag), so the parser decides.
 */
function channelOf(text: string, lt: number, end: number, name: Element): string | undefined {
  const wanted = ELEMENTS[name];
  const close = text.charCodeAt(end - 1) === 0x2f ? end - 1 : end;
  let found: string | undefined;
  let i = lt + 1 + name.length;
  for (;;) {
    const gap = i;
    while (i < close && isSpace(text.charCodeAt(i))) i++;
    if (i === close) break;
    if (i === gap) return undefined;
    const from = i;
    while (i < close && !isSpace(text.charCodeAt(i)) && text.charCodeAt(i) !== 0x3d) i++;
    const to = i;
    while (i < close && isSpace(text.charCodeAt(i))) i++;
    if (to === from || text.charCodeAt(i) !== 0x3d) return undefined;
    i++;
    while (i < close && isSpace(text.charCodeAt(i))) i++;
    const quote = text[i];
    if (quote !== '"' && quote !== "'") return undefined;
    const valueEnd = text.indexOf(quote, i + 1);
    if (valueEnd === -1 || valueEnd >= close) return undefined;
    if (to - from === wanted.length && text.startsWith(wanted, from)) {
      if (found !== undefined) return undefined;
      found = text.slice(i + 1, valueEnd);
    }
    i = valueEnd + 1;
  }
  return found !== undefined && !/[&<\t\n\r]/.test(found) ? found : undefined;
}

/**
 * Cuts the `<channel>` and `<programme>` elements a viewer may not see out of guide
 * text before it reaches the XML parser. Most of a big guide is other people's
 * channels; parsing them only to drop them made a string and an object per tag, and
 * that garbage is what grew the heap. An element is dropped here only when the parser
 * has confirmed it stands between the root's children and the element's channel is
 * plain to read; everything else, broken markup included, goes to the parser, which
 * filters it as before.
 */
export class GuideSkipper {
  readonly #target: GuideSkipperTarget;
  /** feeding: text goes to the parser; between: the parser stands between top-level elements; dropping: inside one being cut. */
  #mode: "feeding" | "between" | "dropping" = "feeding";
  /** The end of the comment, CDATA section or processing instruction being passed over. */
  #inside = "";
  #dropping: Element = "programme";
  #nesting = 0;
  #carry = "";

  constructor(target: GuideSkipperTarget) {
    this.#target = target;
  }

  write(chunk: string): void {
    const text = this.#carry ? this.#carry + chunk : chunk;
    this.#carry = "";
    const kept = this.#scan(text, false);
    if (kept < text.length) this.#carry = text.slice(kept);
  }

  /** The end of the guide: whatever was held back goes to the parser. */
  end(): void {
    const text = this.#carry;
    this.#carry = "";
    if (text) this.#scan(text, true);
  }

  /** Scans `text`; returns where the part to hold back for the next chunk starts. */
  #scan(text: string, last: boolean): number {
    let pos = 0;
    /** Where the text not yet given to the parser starts (feeding mode). */
    let fed = 0;
    const feedTo = (end: number) => {
      if (end > fed) this.#target.feed(text.slice(fed, end));
      fed = end;
    };
    for (;;) {
      if (this.#inside) {
        const end = text.indexOf(this.#inside, pos);
        if (end === -1) {
          const hold = last ? text.length : Math.max(pos, text.length - this.#inside.length + 1);
          if (this.#mode === "feeding") feedTo(hold);
          return hold;
        }
        pos = end + this.#inside.length;
        this.#inside = "";
        continue;
      }
      const lt = text.indexOf("<", pos);
      if (lt === -1 || (!last && text.length - lt < LOOKAHEAD)) {
        const hold = lt === -1 ? text.length : lt;
        if (this.#mode === "feeding") feedTo(hold);
        return hold;
      }
      const next = text.charCodeAt(lt + 1);
      const special =
        next === 0x21 || next === 0x3f ? SPECIALS.find(([open]) => text.startsWith(open, lt)) : undefined;
      if (special) {
        if (this.#mode === "between") {
          this.#mode = "feeding";
          fed = lt;
        }
        this.#inside = special[1];
        pos = lt + special[0].length;
        continue;
      }
      const closing = next === 0x2f;
      const name = elementAt(text, closing ? lt + 2 : lt + 1);
      if (this.#mode === "feeding") {
        pos = lt + 1;
        if (!closing || !name) continue;
        const gt = text.indexOf(">", lt);
        if (gt === -1 && !last) {
          feedTo(lt);
          return lt;
        }
        if (gt === -1 || !closeTag(text, lt, gt, name)) continue;
        feedTo(gt + 1);
        pos = gt + 1;
        if (this.#target.atTopLevel()) this.#mode = "between";
        continue;
      }
      if (this.#mode === "between") {
        // Text between the root's children is rewritten by the filter, never copied.
        const end = name && !closing ? tagEnd(text, lt) : -1;
        if (name && !closing && end === -1 && !last && text.length - lt < MAX_TAG) return lt;
        const id = end === -1 || !name ? undefined : channelOf(text, lt, end, name);
        if (id === undefined || this.#target.keep(id)) {
          this.#mode = "feeding";
          fed = lt;
          pos = lt;
          continue;
        }
        pos = end + 1;
        if (text.charCodeAt(end - 1) !== 0x2f) {
          this.#mode = "dropping";
          this.#dropping = name!;
          this.#nesting = 1;
        }
        continue;
      }
      // Dropping: only the element's own name counts, as the parser would match it.
      pos = lt + 1;
      if (name !== this.#dropping) continue;
      const end = closing ? text.indexOf(">", lt) : tagEnd(text, lt);
      if (end === -1) {
        if (last) return text.length;
        if (text.length - lt < MAX_TAG) return lt;
        continue;
      }
      if (closing) {
        if (!closeTag(text, lt, end, name)) continue;
        if (--this.#nesting === 0) this.#mode = "between";
      } else if (text.charCodeAt(end - 1) !== 0x2f) this.#nesting++;
      pos = end + 1;
    }
  }
}
