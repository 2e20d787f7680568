import { join } from "node:path";
import type { Paths } from "../paths.ts";

/** The config file and the per-host one over it. */
export function configFiles(paths: Paths, hostname: string): { base: string; host: string } {
  return {
    base: join(paths.configDir, "config.yaml"),
    host: join(paths.configDir, `config.${hostname}.yaml`),
  };
}
