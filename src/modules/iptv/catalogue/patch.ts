import type { TokenSealer } from "../tokens.ts";

/**
 * Stands for the listener's own address (`http://host:port`) in cached JSON; it is
 * replaced when an answer is sent, because one cached catalogue serves every listener.
 * A NUL cannot occur in a provider's field by accident.
 */
export const BASE_MARK = "\u0000deskhub-base\u0000";
/** The same mark as it appears inside serialised JSON. */
export const BASE_MARK_JSON = JSON.stringify(BASE_MARK).slice(1, -1);

const IMAGE_CACHE = 20_000;

/** Fields that hold artwork; they are served through the proxy, never from the provider. */
const IMAGE_KEYS = new Set([
  "stream_icon",
  "cover",
  "cover_big",
  "movie_image",
  "backdrop_path",
  "screenshot_uri",
  "thumbnail",
  "logo",
  "icon",
  "big_cover",
  "still_path",
  "poster_path",
]);

/** Fields that point at the provider's own files; a client must go through the proxy. */
const BLANKED_KEYS = new Set(["direct_source"]);

export interface LeakNeedles {
  /** Provider host names, lower case. */
  hosts: readonly string[];
  /** Every upstream username and password. */
  credentials: readonly string[];
}

export interface ImagePayload {
  k: "i";
  u: string;
}

/**
 * Patches provider JSON in place: artwork becomes proxy links, direct sources are
 * blanked, and any other string that would give away the provider (its host, or an
 * account's credentials in a URL or query) is blanked too. Nothing else is touched, so
 * fields deskhub does not know pass through and numbers stay numbers, strings strings.
 */
export class Patcher {
  readonly #sealer: TokenSealer;
  readonly #server: string;
  readonly #needles: LeakNeedles;
  readonly #hostPattern: RegExp | undefined;
  /** Whole words (runs of non-space) with a provider host in them. */
  readonly #hostWords: RegExp | undefined;
  /** Whole words with a credential in them; whether one gives the provider away is #leakyWord's call. */
  readonly #secretWords: RegExp | undefined;
  /** Artwork links already made: channel logos and programme icons repeat a lot. */
  readonly #images = new Map<string, string>();

  constructor(sealer: TokenSealer, server: string, needles: LeakNeedles) {
    this.#sealer = sealer;
    this.#server = server;
    this.#needles = {
      hosts: needles.hosts.filter(Boolean),
      credentials: needles.credentials.filter((c) => c.length >= 3),
    };
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const hosts = this.#needles.hosts.map(literal).join("|");
    const secrets = this.#needles.credentials.map(literal).join("|");
    this.#hostPattern = hosts ? new RegExp(hosts, "i") : undefined;
    this.#hostWords = hosts ? new RegExp(`\\S*(?:${hosts})\\S*`, "gi") : undefined;
    this.#secretWords = secrets ? new RegExp(`\\S*(?:${secrets})\\S*`, "g") : undefined;
  }

  /** Whether one word (a URL, a path, a query) gives the provider away. */
  #leakyWord(word: string): boolean {
    const lower = word.toLowerCase();
    for (const host of this.#needles.hosts) if (lower.includes(host)) return true;
    for (const secret of this.#needles.credentials) {
      if (word === secret || (word.includes(secret) && /[/=:@]/.test(word))) return true;
    }
    return false;
  }

  // Only the words with a needle in them are looked at: splitting every description
  // into words made most of the garbage of filtering a big guide. A host anywhere is
  // a leaky word; a credential is one only in a URL or query (#leakyWord).
  leaks(text: string): boolean {
    if (text.length < 3) return false;
    if (this.#hostPattern?.test(text)) return true;
    if (!this.#hasCredential(text)) return false;
    for (const [word] of text.matchAll(this.#secretWords!)) if (this.#leakyWord(word)) return true;
    return false;
  }

  #hasCredential(text: string): boolean {
    for (const secret of this.#needles.credentials) if (text.includes(secret)) return true;
    return false;
  }

  /** The text without the words that give the provider away: a description keeps its story, loses the link. */
  clean(text: string): string {
    if (!this.leaks(text)) return text;
    let kept = this.#hostWords ? text.replace(this.#hostWords, "") : text;
    if (this.#hasCredential(kept))
      kept = kept.replace(this.#secretWords!, (word) => (this.#leakyWord(word) ? "" : word));
    return kept.trim();
  }

  /** A proxy link (with the base mark) for an artwork URL; "" for anything that is not one. */
  image(value: string): string {
    const known = this.#images.get(value);
    if (known !== undefined) return known;
    const link = this.#image(value);
    if (this.#images.size >= IMAGE_CACHE) this.#images.clear();
    // A copy, not the parser's slice: a slice would keep its whole input chunk alive in the cache.
    this.#images.set(Buffer.from(value).toString(), link);
    return link;
  }

  #image(value: string): string {
    const text = value.trim();
    if (!text) return value;
    let url: URL;
    try {
      url = new URL(text, `${this.#server}/`);
    } catch {
      return this.clean(value);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return this.clean(value);
    const ext = /\.(png|jpe?g|gif|webp|svg|bmp|ico)$/i.exec(url.pathname)?.[0]?.toLowerCase() ?? "";
    const payload: ImagePayload = { k: "i", u: url.href };
    return `${BASE_MARK}/img/${this.#sealer.seal(payload)}${ext}`;
  }

  patch<T>(value: T): T {
    return this.#walk(value, undefined) as T;
  }

  #walk(value: unknown, key: string | undefined): unknown {
    if (typeof value === "string") {
      if (key !== undefined && BLANKED_KEYS.has(key)) return "";
      if (key !== undefined && IMAGE_KEYS.has(key)) return this.image(value);
      return this.clean(value);
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.#walk(value[i], key);
      return value;
    }
    if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      for (const name of Object.keys(record)) record[name] = this.#walk(record[name], name);
      return value;
    }
    return value;
  }
}

/** Puts the listener's address where the base mark is, in JSON text. */
export function withBaseJson(text: string, base: string): string {
  return text.includes(BASE_MARK_JSON)
    ? text.replaceAll(BASE_MARK_JSON, JSON.stringify(base).slice(1, -1))
    : text;
}

export function withBase(text: string, base: string): string {
  return text.includes(BASE_MARK) ? text.replaceAll(BASE_MARK, base) : text;
}

const MARK_BYTES = Buffer.from(BASE_MARK_JSON, "latin1");

/** Puts the listener's address where the base mark is, in JSON bytes. */
export function withBaseJsonBytes(bytes: Buffer, base: string): Buffer {
  let at = bytes.indexOf(MARK_BYTES);
  if (at === -1) return bytes;
  const replacement = Buffer.from(JSON.stringify(base).slice(1, -1));
  const parts: Buffer[] = [];
  let from = 0;
  while (at !== -1) {
    parts.push(bytes.subarray(from, at), replacement);
    from = at + MARK_BYTES.length;
    at = bytes.indexOf(MARK_BYTES, from);
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}
