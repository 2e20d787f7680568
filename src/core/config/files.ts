import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../paths.ts";

/** The config file and the per-host one over it. */
export function configFiles(paths: Paths, hostname: string): { base: string; host: string } {
  return {
    base: join(paths.configDir, "config.yaml"),
    host: join(paths.configDir, `config.${hostname}.yaml`),
  };
}

/** The files a config is read from, in merge order: `--config` alone, else both of the above. */
export function configSources(paths: Paths, hostname: string, file?: string): string[] {
  if (file) return [file];
  const { base, host } = configFiles(paths, hostname);
  return [base, host];
}

/** A file's text, or null when there is no such file (a config file is optional). */
export function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
