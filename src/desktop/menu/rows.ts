import { clean, type MenuBackendName } from "./backends.ts";

/**
 * Menu rows packed in one buffer, a line per row: `value \x1f icon \x1f label \x1f meta`
 * (without the spaces). `icon` is a key the caller turns into an image path; every field
 * is free of line breaks and \x1f (`packRows` cleans them). A list of 20,000 rows, such
 * as a whole library kept between runs, goes to rofi or fzf straight from these bytes:
 * no string or object per row, no decoding of the whole list into a JS string.
 */
export type MenuRows = Buffer;

export interface MenuRow {
  value: string;
  icon?: string | undefined;
  label: string;
  meta?: string | undefined;
}

const FIELD = 0x1f;
const NEWLINE = 0x0a;

export function packRows(rows: readonly MenuRow[]): MenuRows {
  let text = "";
  for (const row of rows) {
    if (text) text += "\n";
    text += `${clean(row.value)}\x1f${clean(row.icon ?? "")}\x1f${clean(row.label)}\x1f${clean(row.meta ?? "")}`;
  }
  return Buffer.from(text);
}

/** Calls `each` with the byte offsets of every row's field separators and its end. */
function forEachRow(
  rows: MenuRows,
  each: (index: number, start: number, a: number, b: number, c: number, end: number) => void,
): void {
  let index = 0;
  for (let start = 0; start < rows.length; index++) {
    const newline = rows.indexOf(NEWLINE, start);
    const end = newline < 0 ? rows.length : newline;
    const a = rows.indexOf(FIELD, start);
    const b = rows.indexOf(FIELD, a + 1);
    const c = rows.indexOf(FIELD, b + 1);
    each(index, start, a, b, c, end);
    start = end + 1;
  }
}

/** The value of the row at `index`. */
export function rowValue(rows: MenuRows, index: number): string | undefined {
  let start = 0;
  for (let i = 0; i < index; i++) {
    const newline = rows.indexOf(NEWLINE, start);
    if (newline < 0) return undefined;
    start = newline + 1;
  }
  if (start >= rows.length) return undefined;
  return rows.toString("utf8", start, rows.indexOf(FIELD, start));
}

/** The icon keys of the rows that have one, in row order. */
export function rowIcons(rows: MenuRows): string[] {
  const keys: string[] = [];
  forEachRow(rows, (_index, _start, a, b) => {
    if (b > a + 1) keys.push(rows.toString("utf8", a + 1, b));
  });
  return keys;
}

/** A growing output buffer; a menu's input is written into it once. */
class Output {
  buffer: Buffer;
  length = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  #room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }

  bytes(from: Buffer, start: number, end: number): void {
    this.#room(end - start);
    this.length += from.copy(this.buffer, this.length, start, end);
  }

  text(text: string): void {
    this.#room(Buffer.byteLength(text));
    this.length += this.buffer.write(text, this.length);
  }

  done(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

export interface EncodedRows {
  text: Buffer;
  count: number;
  icons: boolean;
}

/**
 * The rows as the menu program's stdin, for the programs that print back the index of
 * the choice (rofi, fzf); the same bytes their item encoders write (a test holds them
 * equal). `icon` must give paths without line breaks or \x1f: they are written as they
 * are (cleaning 20,000 of them cost 30 ms). Undefined for the programs that print the
 * label back: those need the labels made unique, so they take the rows as items.
 */
export function encodeRows(
  backend: MenuBackendName,
  rows: MenuRows,
  icon: (key: string) => string | undefined,
): EncodedRows | undefined {
  if (backend !== "rofi" && backend !== "fzf") return undefined;
  const out = new Output(rows.length * 2 + 4096);
  let count = 0;
  let icons = false;
  forEachRow(rows, (index, _start, a, b, c, end) => {
    count++;
    // Asked even where fzf shows none: the caller may fetch what is missing for next time.
    const path = b > a + 1 ? icon(rows.toString("utf8", a + 1, b)) : undefined;
    if (backend === "fzf") {
      out.text(`${index}\t`);
      out.bytes(rows, b + 1, c);
      if (end > c + 1) {
        out.text("\t\x1b[2m");
        out.bytes(rows, c + 1, end);
        out.text("\x1b[0m");
      }
      out.text("\n");
      return;
    }
    // rofi's row options: `text\0icon\x1fPATH\x1fmeta\x1fWORDS`.
    out.bytes(rows, b + 1, c);
    const meta = end > c + 1;
    if (path) {
      icons = true;
      out.text(`\0icon\x1f${path}`);
    }
    if (meta) {
      out.text(path ? "\x1fmeta\x1f" : "\0meta\x1f");
      out.bytes(rows, c + 1, end);
    }
    out.text("\n");
  });
  return { text: out.done(), count, icons };
}

/** The rows as menu items whose value is the row's value, for any menu program. */
export function rowItems(rows: MenuRows, icon: (key: string) => string | undefined): MenuRow[] {
  const items: MenuRow[] = [];
  forEachRow(rows, (_index, start, a, b, c, end) => {
    items.push({
      value: rows.toString("utf8", start, a),
      icon: b > a + 1 ? icon(rows.toString("utf8", a + 1, b)) : undefined,
      label: rows.toString("utf8", b + 1, c),
      meta: end > c + 1 ? rows.toString("utf8", c + 1, end) : undefined,
    });
  });
  return items;
}
