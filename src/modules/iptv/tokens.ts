import {
  createCipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  timingSafeEqual,
} from "node:crypto";

const IV_BYTES = 16;
const MAX_TOKEN = 4096;

/**
 * Opaque, signed tokens for the URLs the proxy hands out (HLS segments, images).
 * The payload is encrypted so a client cannot read the provider's address out of a
 * link, and authenticated with HMAC-SHA256 so it cannot forge one: the IV is the HMAC
 * of the plaintext (the SIV construction), checked on open. Any instance with the same
 * key can open any token, so several proxies behind one balancer serve each other's links.
 * The same payload always seals to the same token, which keeps image URLs cacheable.
 */
export class TokenSealer {
  // Key objects, not buffers: Node converts a buffer key on every call, five times the cost of the crypto.
  readonly #encKey: KeyObject;
  readonly #macKey: KeyObject;

  constructor(key: Uint8Array) {
    if (key.length < 16) throw new Error("a token key needs at least 16 bytes");
    this.#encKey = createSecretKey(
      Buffer.from(hkdfSync("sha256", key, "deskhub-iptv", "token-encryption", 32)),
    );
    this.#macKey = createSecretKey(Buffer.from(hkdfSync("sha256", key, "deskhub-iptv", "token-mac", 32)));
  }

  seal(payload: unknown): string {
    const plain = Buffer.from(JSON.stringify(payload));
    const iv = createHmac("sha256", this.#macKey).update(plain).digest().subarray(0, IV_BYTES);
    const cipher = createCipheriv("aes-256-ctr", this.#encKey, iv);
    return Buffer.concat([iv, cipher.update(plain), cipher.final()]).toString("base64url");
  }

  /** The payload, or undefined for anything that was not sealed with this key. */
  open(token: string): unknown {
    if (token.length > MAX_TOKEN || !/^[A-Za-z0-9_-]{23,}$/.test(token)) return undefined;
    const raw = Buffer.from(token, "base64url");
    if (raw.length <= IV_BYTES) return undefined;
    const iv = raw.subarray(0, IV_BYTES);
    const decipher = createCipheriv("aes-256-ctr", this.#encKey, iv);
    const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES)), decipher.final()]);
    const expected = createHmac("sha256", this.#macKey).update(plain).digest().subarray(0, IV_BYTES);
    if (!timingSafeEqual(iv, expected)) return undefined;
    try {
      return JSON.parse(plain.toString("utf8"));
    } catch {
      return undefined;
    }
  }
}
