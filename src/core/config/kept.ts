import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../atomic.ts";
import type { ModuleDef } from "../module.ts";
import { packageInfo } from "../package-info.ts";
import type { Paths } from "../paths.ts";
import type { LoadedConfig } from "./load.ts";

/** deskhub's own code: src/ from a checkout, dist/ in the package. */
const CODE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Kept {
  key: string;
  loaded: LoadedConfig;
}

/**
 * The code the schemas come from, by every file's size and time: any edit or new
 * release makes every kept config stale. About 5 ms for 400 files.
 */
function codeFingerprint(root: string): string {
  const hash = createHash("sha256").update(packageInfo().version);
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    const stat = statSync(`${root}/${name}`);
    if (stat.isFile()) hash.update(`${name}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return hash.digest("hex");
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
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
  const key = createHash("sha256")
    .update(
      JSON.stringify({
        code: codeFingerprint(options.codeRoot ?? CODE_ROOT),
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
    await writeFileAtomic(path, JSON.stringify({ key, loaded } satisfies Kept), { mode: 0o600 }).catch(
      () => {},
    );
  }
  return loaded;
}
