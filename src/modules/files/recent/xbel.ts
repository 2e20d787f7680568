import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { FrecencyStore } from "./fre-store.ts";

/** One file the desktop remembers: GTK's recently-used.xbel `<bookmark href added modified visited>`. */
export interface XbelEntry {
  path: string;
  /** Seconds since the epoch of the latest of added, modified and visited. */
  at: number;
}

function seconds(value: string | undefined): number {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms / 1000;
}

/** The local files in a recently-used.xbel, newest use first. Other URLs are skipped. */
export async function readXbel(path: string): Promise<XbelEntry[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new UserError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`, {
      code: ExitCode.noPerm,
    });
  }
  const { SaxesParser } = await import("saxes");
  const parser = new SaxesParser();
  const entries: XbelEntry[] = [];
  parser.on("opentag", (tag) => {
    if (tag.name !== "bookmark") return;
    const attr = (name: string): string | undefined => tag.attributes[name];
    const href = attr("href");
    if (!href?.startsWith("file://")) return;
    try {
      const at = Math.max(seconds(attr("added")), seconds(attr("modified")), seconds(attr("visited")));
      entries.push({ path: fileURLToPath(href), at });
    } catch {
      // A file URL with a host (file://otherhost/...) is not a local file.
    }
  });
  try {
    parser.write(text).close();
  } catch (error) {
    throw new UserError(`${path} is not a readable XBEL file: ${(error as Error).message}`, {
      code: ExitCode.dataErr,
      hint: "GTK rewrites it on the next use of a file dialog; or move it away",
    });
  }
  return entries.sort((a, b) => b.at - a.at);
}

/**
 * Records each entry as a visit at its own time, unless the store already has a visit
 * that recent: importing the same file twice changes nothing.
 */
export function importXbel(store: FrecencyStore, entries: readonly XbelEntry[], now: number): string[] {
  const added: string[] = [];
  for (const entry of [...entries].reverse()) {
    const known = store.get(entry.path);
    // fre keeps last access as f32 seconds from the reference time: compare at that
    // precision (months away from the reference, one f32 step is several seconds).
    const offset = entry.at - store.referenceTime;
    const step = Math.max(1, 2 ** (Math.floor(Math.log2(Math.abs(offset) || 1)) - 23));
    if (known && known.last_accessed >= Math.fround(offset) - step) continue;
    store.visit(entry.path, Math.min(entry.at, now), now);
    added.push(entry.path);
  }
  return added;
}
