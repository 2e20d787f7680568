import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../atomic.ts";
import type { ModuleDef } from "../module.ts";
import { packageInfo } from "../package-info.ts";
import type { Paths } from "../paths.ts";
import { readOrNull } from "./files.ts";
import type { LoadedConfig } from "./load.ts";

/** deskhub's own code: src/ from a checkout, dist/ in the package. */
const CODE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Kept {
  key: string;
  loaded: LoadedConfig;
}

/**
 * The code the schemas come from, by every file's size and time: any edit or new
 * release makes every kept config stale. 400 stats, made in the thread pool.
 */
async function codeFingerprint(root: string): Promise<string> {
  const names = ((await readdir(root, { recursive: true })) as string[]).sort();
  const stats = await Promise.all(names.map((name) => stat(`${root}/${name}`)));
  const hash = createHash("sha256").update(packageInfo().version);
  names.forEach((name, i) => {
    const entry = stats[i]!;
    if (entry.isFile()) hash.update(`${name}\0${entry.size}\0${entry.mtimeMs}\n`);
  });
  return hash.digest("hex");
}

let ownCode: Promise<string> | undefined;

/**
 * Starts fingerprinting deskhub's own code, so that it is done by the time the config
 * is needed: a command calls this as soon as it knows it is one module's.
 */
export function fingerprintCode(root = CODE_ROOT): Promise<string> {
  if (root !== CODE_ROOT) return codeFingerprint(root);
  ownCode ??= codeFingerprint(root);
  return ownCode;
}

/** Only what JSON gives back unchanged: no RegExp, Date or class instance is kept. */
function isPlainData(value: unknown): boolean {
  if (value === null || ["string", "number", "boolean", "undefined"].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every(isPlainData);
}

/**
 * A short-lived command's validated config, kept from its last run with the same
 * config files, modules and code: a key-bound `deskhub media menu` then starts
 * without YAML and zod (about 110 ms). The first run, and any run after a change,
 * loads as always (`load`); a config with problems is never kept. Nothing is kept
 * when the old scripts' environment variables fill in the config: they may hold
 * secrets, which must not reach a file.
 */
export async function loadKept(
  options: {
    paths: Paths;
    env: NodeJS.ProcessEnv;
    modules: readonly ModuleDef[];
    unchecked: readonly string[];
    /** The config files in merge order. */
    files: readonly string[];
    codeRoot?: string;
  },
  load: () => Promise<LoadedConfig>,
): Promise<LoadedConfig> {
  if (options.modules.some((def) => Object.keys(def.env?.(options.env) ?? {}).length > 0)) return load();
  const names = options.modules.map((def) => def.name);
  let code: string;
  try {
    code = await fingerprintCode(options.codeRoot);
  } catch {
    return load();
  }
  const key = createHash("sha256")
    .update(
      JSON.stringify({
        code,
        modules: names,
        unchecked: options.unchecked,
        files: options.files.map((file) => [file, readOrNull(file)]),
      }),
    )
    .digest("hex");
  // One copy per module set and config file, so `--config other.yaml` does not evict the usual one.
  const where = createHash("sha256").update(options.files.join("\0")).digest("hex").slice(0, 12);
  const path = join(options.paths.cacheDir, "config", `${names.join("+") || "core"}-${where}.json`);
  const kept = readOrNull(path);
  if (kept) {
    try {
      const parsed = JSON.parse(kept) as Kept;
      if (parsed.key === key) return parsed.loaded;
    } catch {
      // A damaged copy is only a miss.
    }
  }
  const loaded = await load();
  if (loaded.config && loaded.problems.length === 0 && isPlainData(loaded)) {
    // A cache that cannot be written (a read-only home) only means no head start next time.
    await writeFileAtomic(path, JSON.stringify({ key, loaded } satisfies Kept), {
      mode: 0o600,
      flush: false,
    }).catch(() => {});
  }
  return loaded;
}
