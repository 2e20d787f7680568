import { Transform } from "node:stream";
import { SaxesParser, type SaxesTagPlain } from "saxes";
import { GuideSkipper } from "./skip.ts";

export interface XmltvFilterOptions {
  /** Whether a channel id (of `<channel id>` or `<programme channel>`) stays. */
  keep(channelId: string): boolean;
  /** The proxy link for an icon URL. */
  image(url: string): string;
  /** A text or attribute without what gives the provider away. */
  clean(text: string): string;
  onError?(message: string): void;
}

// The test first: replace() with a function allocates even when nothing matches.
const TEXT_SPECIAL = /[&<>]/;
const ATTRIBUTE_SPECIAL = /[&<"\n\r\t]/;

function escapeText(text: string): string {
  if (!TEXT_SPECIAL.test(text)) return text;
  return text.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

const ATTRIBUTE_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  '"': "&quot;",
  "\n": "&#10;",
  "\r": "&#13;",
  "\t": "&#9;",
};

function escapeAttribute(text: string): string {
  if (!ATTRIBUTE_SPECIAL.test(text)) return text;
  return text.replace(/[&<"\n\r\t]/g, (c) => ATTRIBUTE_ESCAPES[c]!);
}

/**
 * Text is decoded this much at a time. The piece being parsed is what survives each
 * young-generation GC, and V8 grows that generation by what survives: 64 kB pieces
 * grew it to 128 MB over a 1 GB guide.
 */
const DECODE_SLICE = 4 * 1024;

/** The declared encoding of an XML document's first bytes; XMLTV files are UTF-8 or Latin-1. */
function declaredEncoding(head: Buffer): string {
  const match = /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(
    head.subarray(0, 300).toString("latin1"),
  );
  const name = match?.[1]?.toLowerCase() ?? "utf-8";
  try {
    new TextDecoder(name);
    return name;
  } catch {
    return "utf-8";
  }
}

/**
 * Filters an XMLTV guide as it streams: `<channel>` and `<programme>` elements of
 * channels the viewer may not see are dropped whole (most before they are parsed at
 * all), icons become proxy links, and nothing is held but the element being written. Input in any declared encoding,
 * output UTF-8. Broken markup is reported once and parsing carries on, as guide
 * readers do.
 */
export function xmltvFilter(options: XmltvFilterOptions): Transform {
  const parser = new SaxesParser({ xmlns: false, position: false });
  let decoder: TextDecoder | undefined;
  let out = "";
  let depth = 0;
  /** Depth at which an element being dropped started; 0 when writing. */
  let skipping = 0;
  let reported = false;

  const clean = options.clean;

  parser.on("xmldecl", () => {
    out += '<?xml version="1.0" encoding="UTF-8"?>\n';
  });
  parser.on("doctype", (doctype) => {
    out += `<!DOCTYPE${doctype}>\n`;
  });
  parser.on("opentag", (tag: SaxesTagPlain) => {
    depth++;
    if (skipping) return;
    if (depth === 2) {
      const id =
        tag.name === "channel"
          ? tag.attributes.id
          : tag.name === "programme"
            ? tag.attributes.channel
            : undefined;
      if (id !== undefined && !options.keep(id)) {
        skipping = depth;
        if (tag.isSelfClosing) skipping = 0;
        return;
      }
    }
    let text = depth === 2 ? `  <${tag.name}` : `<${tag.name}`;
    for (const name in tag.attributes) {
      const value = tag.attributes[name]!;
      const shown = tag.name === "icon" && name === "src" ? options.image(value) : clean(value);
      text += ` ${name}="${escapeAttribute(shown)}"`;
    }
    out += tag.isSelfClosing ? `${text}/>` : `${text}>`;
    if (depth === 1) out += "\n";
    if (tag.isSelfClosing && depth === 2) out += "\n";
  });
  parser.on("text", (text) => {
    // Whitespace between the guide's top-level elements is rewritten, not copied.
    if (skipping || depth <= 1) return;
    out += escapeText(clean(text));
  });
  parser.on("cdata", (text) => {
    if (skipping || depth <= 1) return;
    out += escapeText(clean(text));
  });
  parser.on("closetag", (tag: SaxesTagPlain) => {
    if (skipping) {
      if (depth === skipping) skipping = 0;
      depth--;
      return;
    }
    if (!tag.isSelfClosing) {
      out += `</${tag.name}>`;
      if (depth <= 2) out += "\n";
    }
    depth--;
  });
  parser.on("error", (error) => {
    if (reported) return;
    reported = true;
    options.onError?.(error.message);
  });

  const skipper = new GuideSkipper({
    feed: (text) => parser.write(text),
    atTopLevel: () => depth === 1,
    keep: options.keep,
  });

  const drain = (stream: Transform) => {
    if (out) {
      stream.push(out);
      out = "";
    }
  };

  return new Transform({
    // Output goes on as strings: made into Buffers here, a gigabyte's worth piled up
    // in the old generation until a full GC; a socket copies a string and frees it.
    encoding: "utf8",
    transform(chunk: Buffer, _encoding, done) {
      try {
        decoder ??= new TextDecoder(declaredEncoding(chunk));
        for (let at = 0; at < chunk.length; at += DECODE_SLICE)
          skipper.write(decoder.decode(chunk.subarray(at, at + DECODE_SLICE), { stream: true }));
        drain(this);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done) {
      try {
        if (decoder) skipper.write(decoder.decode());
        skipper.end();
        parser.close();
        drain(this);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}
