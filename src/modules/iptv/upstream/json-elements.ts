import { UpstreamError } from "./errors.ts";

const MAX_ELEMENT = 16 * 1024 * 1024;
const MAX_OBJECT_BODY = 256 * 1024 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * The elements of a JSON array as it streams in, one at a time, so a 100,000-entry
 * list never sits whole in memory. Panels that answer with an object keyed by id get
 * its values (that form is small enough to buffer). Anything else is the provider
 * refusing or failing, and is thrown with the top-level object for the caller to read.
 */
export async function* jsonElements(body: AsyncIterable<Buffer>): AsyncGenerator<unknown> {
  let mode: "start" | "array" | "object" | "done" = "start";
  let depth = 0;
  let inString = false;
  let escaped = false;
  let inElement = false;
  let parts: Buffer[] = [];
  let partsSize = 0;
  const objectBody: Buffer[] = [];
  let objectSize = 0;

  const finish = (chunk: Buffer, start: number, end: number): unknown => {
    parts.push(chunk.subarray(start, end));
    const text = Buffer.concat(parts).toString("utf8");
    parts = [];
    partsSize = 0;
    inElement = false;
    try {
      return JSON.parse(text);
    } catch {
      throw new UpstreamError("bad_response", "the provider sent a list with a broken entry");
    }
  };

  for await (const chunk of body) {
    let i = 0;
    if (mode === "start") {
      while (
        i < chunk.length &&
        (isSpace(chunk[i]!) || chunk[i] === 0xef || chunk[i] === 0xbb || chunk[i] === 0xbf)
      )
        i++;
      if (i === chunk.length) continue;
      mode = chunk[i] === OPEN_ARRAY ? "array" : "object";
      if (mode === "array") i++;
    }
    if (mode === "object") {
      objectSize += chunk.length - i;
      if (objectSize > MAX_OBJECT_BODY)
        throw new UpstreamError("bad_response", "the provider's answer is too large");
      objectBody.push(chunk.subarray(i));
      continue;
    }
    if (mode === "done") continue;
    let start = inElement ? 0 : -1;
    const out: unknown[] = [];
    for (; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
        continue;
      }
      if (depth === 0) {
        if (byte === COMMA) {
          if (inElement) out.push(finish(chunk, start, i));
          start = -1;
          continue;
        }
        if (byte === CLOSE_ARRAY) {
          if (inElement) out.push(finish(chunk, start, i));
          mode = "done";
          break;
        }
        if (!inElement && !isSpace(byte)) {
          inElement = true;
          start = i;
        }
      }
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
      else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth--;
    }
    if (inElement && mode !== "done") {
      parts.push(chunk.subarray(Math.max(start, 0)));
      partsSize += chunk.length - Math.max(start, 0);
      if (partsSize > MAX_ELEMENT)
        throw new UpstreamError("bad_response", "the provider sent a list entry that is too large");
    }
    yield* out;
  }

  if (mode === "object") {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.concat(objectBody).toString("utf8"));
    } catch {
      throw new UpstreamError("bad_response", "the provider's answer is not JSON");
    }
    // Some panels answer an empty list with `null`.
    if (value === null) return;
    if (typeof value === "object" && !Array.isArray(value) && !("user_info" in value)) {
      yield* Object.values(value);
      return;
    }
    throw new NotAList(value);
  }
  // An empty body is how some panels say "nothing in this list".
  if (mode === "array") throw new UpstreamError("bad_response", "the provider's list ended early");
}

/** The provider answered a list request with something else: a login refusal, an error object. */
export class NotAList extends UpstreamError {
  readonly value: unknown;

  constructor(value: unknown) {
    const refused = !!value && typeof value === "object" && "user_info" in value;
    super(
      "bad_response",
      refused
        ? "the provider refused the account's username or password"
        : "the provider answered with something that is not a list",
    );
    this.value = value;
  }
}
