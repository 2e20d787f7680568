import { createHash } from "node:crypto";

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

function base32hex(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32HEX[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * A Google Calendar event id for a UID. Google allows only base32hex characters (a-v,
 * 0-9), 5 to 1024 of them; the UID's bytes in base32hex are exactly that, and decode
 * back to the UID. A UID too long for that is hashed instead.
 */
export function googleEventId(uid: string): string {
  const encoded = base32hex(new TextEncoder().encode(uid));
  if (encoded.length >= 5 && encoded.length <= 1024) return encoded;
  return base32hex(createHash("sha256").update(uid).digest());
}
