import { lstat, realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

export interface FileRoots {
  /** Absolute paths, `~` already expanded. */
  read: readonly string[];
  write: readonly string[];
  deny: readonly string[];
}

export type Resolved = { ok: true; path: string } | { ok: false; reason: string };

function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** A root as it really is on disk (a root that is itself a symlink counts where it points). */
async function realRoots(roots: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const root of roots) {
    out.push(resolve(root));
    const real = await realpath(root).catch(() => undefined);
    if (real && real !== resolve(root)) out.push(real);
  }
  return out;
}

/** The real path of `path` when it exists; else the real path of its nearest existing ancestor plus the rest. */
async function realish(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    const real = await realpath(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return undefined;
      throw error;
    });
    if (real !== undefined) return join(real, ...missing.reverse());
    const parent = dirname(current);
    if (parent === current) return path;
    missing.push(basename(current));
    current = parent;
  }
}

async function check(
  real: string,
  allowed: readonly string[],
  roots: FileRoots,
  what: string,
): Promise<Resolved> {
  const denied = await realRoots(roots.deny);
  const hit = denied.find((d) => inside(real, d));
  if (hit) return { ok: false, reason: `${real} is under ${hit}, which is never ${what}` };
  const allowedReal = await realRoots(allowed);
  if (!allowedReal.some((root) => inside(real, root))) {
    return {
      ok: false,
      reason: allowed.length
        ? `${real} is outside the directories it may ${what === "read" ? "read" : "write"} (${allowed.join(", ")})`
        : `no directory is configured for ${what === "read" ? "reading" : "writing"}`,
    };
  }
  return { ok: true, path: real };
}

/** Lexically absolute: `~` is expanded by the caller; a relative path is taken from the first root. */
function absolute(path: string, roots: readonly string[]): string {
  if (isAbsolute(path)) return resolve(path);
  return resolve(roots[0] ?? "/", path);
}

/**
 * Where a read would really go, after `..` and every symlink are resolved; refused when
 * that is outside the read roots or inside a denied directory.
 */
export async function resolveForRead(path: string, roots: FileRoots): Promise<Resolved> {
  const target = absolute(path, roots.read);
  const real = await realpath(target).catch((error: NodeJS.ErrnoException) => error);
  if (real instanceof Error) {
    if ((real as NodeJS.ErrnoException).code === "ENOENT")
      return { ok: false, reason: `${target} does not exist` };
    return { ok: false, reason: `cannot open ${target}: ${real.message}` };
  }
  return check(real, roots.read, roots, "read");
}

/**
 * Where a write would really go: the real path of the parent directory (which may not
 * exist yet) plus the name, or, when the target is a symlink, the real path of what it
 * points at. Refused outside the write roots, inside a denied directory, or on a directory.
 */
export async function resolveForWrite(path: string, roots: FileRoots): Promise<Resolved> {
  const target = absolute(path, roots.write);
  const stat = await lstat(target).catch(() => undefined);
  if (stat?.isDirectory()) return { ok: false, reason: `${target} is a directory` };
  const real = stat?.isSymbolicLink()
    ? await realish(target)
    : join(await realish(dirname(target)), basename(target));
  const realStat = stat?.isSymbolicLink() ? await lstat(real).catch(() => undefined) : undefined;
  if (realStat?.isDirectory()) return { ok: false, reason: `${target} points at a directory` };
  return check(real, roots.write, roots, "written");
}
