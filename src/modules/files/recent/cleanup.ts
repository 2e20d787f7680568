import { realpath, stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import type { FrecencyStore } from "./fre-store.ts";

export interface CleanupReport {
  before: number;
  after: number;
  /** Paths that no longer exist (a dangling symlink counts as gone). */
  removed: string[];
  /** Paths that are one file reached through symlinks, joined into the one kept. */
  merged: Array<{ into: string; from: string[] }>;
  /** Entries past the `keep` best. */
  truncated: string[];
  /** Entries that are not absolute paths, which cleanup leaves alone. */
  skipped: number;
}

type Where = { kind: "gone" } | { kind: "real"; path: string } | { kind: "unknown" };

async function locate(path: string): Promise<Where> {
  try {
    await stat(path);
    return { kind: "real", path: await realpath(path) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Only a path that is certainly not there is dropped; EACCES or EIO might be passing.
    return code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP"
      ? { kind: "gone" }
      : { kind: "unknown" };
  }
}

async function locateAll(paths: readonly string[]): Promise<Where[]> {
  const out: Where[] = [];
  for (let i = 0; i < paths.length; i += 64) {
    out.push(...(await Promise.all(paths.slice(i, i + 64).map(locate))));
  }
  return out;
}

/**
 * Cleans a store in memory: drops paths that are gone, joins paths that are the same file
 * through symlinks (keeping the name used most), then keeps the `keep` best (0: all).
 * The caller decides whether to write the result (`--apply`) or only show it.
 */
export async function cleanupStore(
  store: FrecencyStore,
  options: { keep: number; now: number },
): Promise<CleanupReport> {
  const before = store.items.length;
  const paths = store.items.map((item) => item.item).filter((item) => isAbsolute(item));
  const skipped = before - paths.length;
  const where = await locateAll(paths);

  const removed: string[] = [];
  const byTarget = new Map<string, string[]>();
  paths.forEach((path, i) => {
    const found = where[i]!;
    if (found.kind === "gone") removed.push(path);
    if (found.kind === "real") byTarget.set(found.path, [...(byTarget.get(found.path) ?? []), path]);
  });
  for (const path of removed) store.delete(path);

  const merged: CleanupReport["merged"] = [];
  for (const group of byTarget.values()) {
    if (group.length < 2) continue;
    const ranked = group
      .map((path) => store.get(path)!)
      .sort(
        (a, b) =>
          b.frecency - a.frecency || b.last_accessed - a.last_accessed || a.item.length - b.item.length,
      );
    const into = ranked[0]!.item;
    const from = ranked.slice(1).map((item) => item.item);
    for (const path of from) store.merge(into, path);
    merged.push({ into, from });
  }

  const truncated =
    options.keep > 0 && store.items.length > options.keep
      ? store.truncate(options.keep, "frecent").map((item) => item.item)
      : [];
  store.rebaseIfOld(options.now);
  return { before, after: store.items.length, removed, merged, truncated, skipped };
}

export function changed(report: CleanupReport): boolean {
  return report.removed.length + report.merged.length + report.truncated.length > 0;
}
