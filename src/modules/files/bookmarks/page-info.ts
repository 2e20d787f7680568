/** What buku fetches for a new bookmark: the page's title and its meta description. */
export interface PageInfo {
  title?: string;
  description?: string;
}

const MAX_BYTES = 512 * 1024;

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  copy: "©",
  reg: "®",
  trade: "™",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  laquo: "«",
  raquo: "»",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  middot: "·",
  bull: "•",
  euro: "€",
  szlig: "ß",
};

/** `&eacute;`, `&Ouml;`, `&ccedil;`: a letter and an accent, composed. */
const ACCENTS: Record<string, string> = {
  acute: "\u0301",
  grave: "\u0300",
  circ: "\u0302",
  tilde: "\u0303",
  uml: "\u0308",
  ring: "\u030a",
  cedil: "\u0327",
};

function named(name: string): string | undefined {
  const known = ENTITIES[name] ?? ENTITIES[name.toLowerCase()];
  if (known) return known;
  const accent = ACCENTS[name.slice(1)];
  return accent && /^[a-z]$/i.test(name[0]!) ? `${name[0]}${accent}`.normalize("NFC") : undefined;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code =
        name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return named(name) ?? whole;
  });
}

const clean = (text: string) => decodeEntities(text).replace(/\s+/g, " ").trim();

/** Reads the head of an HTML page; anything else (PDF, images) has no title to take. */
export function parsePageInfo(html: string): PageInfo {
  const info: PageInfo = {};
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  if (title && clean(title)) info.title = clean(title);
  for (const tag of html.match(/<meta\s[^>]*>/gi) ?? []) {
    const name = /\b(?:name|property)\s*=\s*["']?(description|og:description)["'\s>]/i.exec(tag);
    const content = /\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(tag);
    if (name && content && !info.description) info.description = clean(content[1] ?? content[2] ?? "");
  }
  return info;
}

/** Fetches http(s) pages only, briefly and partly: a missing title never blocks a bookmark. */
export async function fetchPageInfo(url: string, timeoutMs = 5000): Promise<PageInfo> {
  if (!/^https?:\/\//i.test(url)) return {};
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) deskhub", accept: "text/html,*/*;q=0.5" },
      redirect: "follow",
    });
    if (!response.ok || !/html/i.test(response.headers.get("content-type") ?? "") || !response.body)
      return {};
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (size < MAX_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
    await reader.cancel().catch(() => {});
    return parsePageInfo(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return {};
  }
}
