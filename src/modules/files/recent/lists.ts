import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { writeFileAtomic } from "../../../core/atomic.ts";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { expandHome, type Paths } from "../../../core/paths.ts";
import type { FilesConfig } from "../config.ts";
import { NAME } from "../config.ts";
import { FreFile, serializeFre } from "./fre-json.ts";
import { FrecencyStore } from "./fre-store.ts";

export interface RecentList {
  name: string;
  path: string;
}

type RecentConfig = FilesConfig["recent"];

export function listsDir(config: RecentConfig, paths: Paths): string {
  return config.lists_dir ? expandHome(config.lists_dir, paths) : join(paths.xdgDataHome, "frecent");
}

/** fre's own default store, `$XDG_DATA_HOME/fre/fre.json`, is the list named `fre`. */
export function freDefaultStore(paths: Paths): string {
  return join(paths.xdgDataHome, "fre", "fre.json");
}

/** Where a list lives: configured, fre's default for `fre`, else `<lists_dir>/<name>.json`. */
export function resolveList(name: string | undefined, config: RecentConfig, paths: Paths): RecentList {
  const list = name ?? config.default_list;
  if (!NAME.test(list)) {
    throw new UserError(`"${list}" is not a list name`, {
      code: ExitCode.usage,
      hint: "a list name is letters, digits, - and _ (it names <lists_dir>/<name>.json)",
    });
  }
  const configured = config.stores[list];
  if (configured) return { name: list, path: expandHome(configured, paths) };
  if (list === "fre") return { name: list, path: freDefaultStore(paths) };
  return { name: list, path: join(listsDir(config, paths), `${list}.json`) };
}

/** Every list that exists: configured ones, fre's default store, and each store in lists_dir. */
export async function knownLists(config: RecentConfig, paths: Paths): Promise<RecentList[]> {
  const found = new Map<string, RecentList>();
  const exists = async (path: string) => (await stat(path).catch(() => undefined))?.isFile() ?? false;
  const candidates: RecentList[] = [
    resolveList(config.default_list, config, paths),
    ...Object.keys(config.stores).map((name) => resolveList(name, config, paths)),
    resolveList("fre", config, paths),
  ];
  const entries = await readdir(listsDir(config, paths)).catch(() => [] as string[]);
  for (const entry of entries.sort()) {
    const name = basename(entry, ".json");
    if (entry.endsWith(".json") && NAME.test(name)) candidates.push(resolveList(name, config, paths));
  }
  for (const list of candidates) {
    if (!found.has(list.name) && (await exists(list.path))) found.set(list.name, list);
  }
  return [...found.values()];
}

/** Reads a fre store; a missing one is empty (as fre treats it), a broken one is an error. */
export async function readStore(path: string, now: number, halfLife: number): Promise<FrecencyStore> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return FrecencyStore.empty(now, halfLife);
    throw new UserError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`, {
      code: ExitCode.noPerm,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not valid JSON, so not a fre store`, {
      code: ExitCode.dataErr,
      hint: `move it away (mv ${path} ${path}.broken) and deskhub starts a new one`,
    });
  }
  const parsed = FreFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(
      `${path} is not a fre store: ${issue.path.join(".") || "top level"}: ${issue.message}`,
      {
        code: ExitCode.dataErr,
        hint: "fre stores hold reference_time, half_life and items [{item, frecency, last_accessed, num_accesses}]",
      },
    );
  }
  return new FrecencyStore(parsed.data);
}

/** Writes a store in fre's exact format, atomically, keeping the file's mode. */
export async function writeStore(path: string, store: FrecencyStore): Promise<void> {
  const mode = (await stat(path).catch(() => undefined))?.mode;
  await writeFileAtomic(path, serializeFre(store.toFile()), {
    mode: mode === undefined ? 0o644 : mode & 0o777,
  });
}
