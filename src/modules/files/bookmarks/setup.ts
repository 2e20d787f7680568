import { join } from "node:path";
import { expandHome, type Paths } from "../../../core/paths.ts";
import type { FilesConfig } from "../config.ts";
import { bookmarkKeys } from "./keys.ts";
import { BookmarkVault, type SwitchStep } from "./vault.ts";

/** buku's directory: `$XDG_DATA_HOME/buku`, as buku.py get_default_dbdir. */
export function bukuDir(config: FilesConfig["bookmarks"], paths: Paths): string {
  return config.dir ? expandHome(config.dir, paths) : join(paths.xdgDataHome, "buku");
}

export function openVault(
  config: FilesConfig["bookmarks"],
  env: NodeJS.ProcessEnv,
  paths: Paths,
  onStep?: (step: SwitchStep) => void | Promise<void>,
): BookmarkVault {
  return new BookmarkVault({
    dir: bukuDir(config, paths),
    encrypt: config.encrypt,
    firstName: config.first_name,
    keys: () => bookmarkKeys(config, env, paths),
    ...(onStep ? { onStep } : {}),
  });
}
