import { join } from "node:path";
import type { Paths } from "../../core/paths.ts";

/** The manual override, kept across restarts. */
export function stateFile(paths: Pick<Paths, "stateDir">): string {
  return join(paths.stateDir, "presence.json");
}

/** The last idle-hook crossing; the runtime dir ends with the login session, as it should. */
export function hookFile(paths: Pick<Paths, "runtimeDir">): string {
  return join(paths.runtimeDir, "idle-hook.json");
}
