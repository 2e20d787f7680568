import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export interface Monitor {
  /** The DRM connector, e.g. `DP-1`, `HDMI-A-1`, `eDP-1`. */
  connector: string;
  /** From the EDID: the monitor's own name (`DELL P2414H`) and serial, when it reports them. */
  name?: string;
  serial?: string;
  /** Three-letter PNP vendor id and product code, e.g. `DEL` / `a09b`. */
  vendor?: string;
  product?: string;
}

function descriptorText(bytes: Buffer): string {
  return bytes.toString("latin1").split("\n")[0]!.trim();
}

/** The identifying parts of a 128-byte EDID base block; undefined when it is not one. */
export function parseEdid(edid: Buffer): Omit<Monitor, "connector"> | undefined {
  if (edid.length < 128) return undefined;
  if (edid.subarray(0, 8).toString("hex") !== "00ffffffffffff00") return undefined;
  const id = edid.readUInt16BE(8);
  const letter = (n: number) => String.fromCharCode(64 + (n & 31));
  const info: Omit<Monitor, "connector"> = {
    vendor: letter(id >> 10) + letter(id >> 5) + letter(id),
    product: edid.readUInt16LE(10).toString(16).padStart(4, "0"),
  };
  // Four 18-byte descriptors; a display descriptor starts with three zero bytes and a tag.
  for (let offset = 54; offset < 126; offset += 18) {
    if (edid[offset] !== 0 || edid[offset + 1] !== 0 || edid[offset + 2] !== 0) continue;
    const text = edid.subarray(offset + 5, offset + 18);
    if (edid[offset + 3] === 0xfc) info.name = descriptorText(text);
    else if (edid[offset + 3] === 0xff) info.serial = descriptorText(text);
  }
  return info;
}

/** The monitors connected now, from /sys/class/drm (no X or Wayland needed). */
export async function connectedMonitors(sys = "/sys"): Promise<Monitor[]> {
  const base = join(sys, "class/drm");
  let entries: string[];
  try {
    entries = await readdir(base);
  } catch {
    return [];
  }
  const monitors: Monitor[] = [];
  for (const entry of entries.sort()) {
    const match = /^card\d+-(.+)$/.exec(entry);
    if (!match) continue;
    const status = await readFile(join(base, entry, "status"), "utf8").catch(() => "");
    if (status.trim() !== "connected") continue;
    const edid = await readFile(join(base, entry, "edid")).catch(() => Buffer.alloc(0));
    monitors.push({ connector: match[1]!, ...parseEdid(edid) });
  }
  return monitors;
}

/** A configured monitor matches by connector, EDID name or serial, case-insensitively. */
export function matchMonitor(monitors: readonly Monitor[], wanted: readonly string[]): Monitor | undefined {
  const keys = new Set(wanted.map((w) => w.toLowerCase()));
  return monitors.find((m) =>
    [m.connector, m.name, m.serial].some((value) => value !== undefined && keys.has(value.toLowerCase())),
  );
}
