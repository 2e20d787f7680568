import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

export interface XAuthEntry {
  family: number;
  address: string;
  display: string;
  name: string;
  data: Buffer;
}

const FAMILY_LOCAL = 256;
const FAMILY_WILD = 65535;

/** Parses an Xauthority file: records of big-endian length-prefixed fields. */
export function parseXauthority(buffer: Buffer): XAuthEntry[] {
  const entries: XAuthEntry[] = [];
  let offset = 0;
  const field = (): Buffer | undefined => {
    if (offset + 2 > buffer.length) return undefined;
    const length = buffer.readUInt16BE(offset);
    offset += 2;
    if (offset + length > buffer.length) return undefined;
    const value = buffer.subarray(offset, offset + length);
    offset += length;
    return value;
  };
  while (offset + 2 <= buffer.length) {
    const family = buffer.readUInt16BE(offset);
    offset += 2;
    const address = field();
    const display = field();
    const name = field();
    const data = field();
    if (!address || !display || !name || !data) break;
    entries.push({
      family,
      address: address.toString("latin1"),
      display: display.toString("latin1"),
      name: name.toString("latin1"),
      data: Buffer.from(data),
    });
  }
  return entries;
}

/** The MIT-MAGIC-COOKIE-1 for a local display, as Xlib would pick it; none when the server needs none. */
export async function localCookie(
  display: number,
  env: NodeJS.ProcessEnv,
): Promise<{ name: string; data: Buffer } | undefined> {
  const file = env.XAUTHORITY || (env.HOME ? join(env.HOME, ".Xauthority") : undefined);
  if (!file) return undefined;
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch {
    return undefined;
  }
  const host = hostname();
  const match = parseXauthority(buffer).find(
    (entry) =>
      entry.name === "MIT-MAGIC-COOKIE-1" &&
      (entry.display === "" || entry.display === String(display)) &&
      (entry.family === FAMILY_WILD || (entry.family === FAMILY_LOCAL && entry.address === host)),
  );
  return match ? { name: match.name, data: match.data } : undefined;
}
