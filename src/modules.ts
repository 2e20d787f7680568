import type { ModuleDef } from "./core/module.ts";

export interface ModuleEntry {
  name: string;
  /** Top-level commands the module adds besides `deskhub <name>` (e.g. `say`). */
  topLevel?: readonly string[];
  load(): Promise<{ default: ModuleDef }>;
}

/**
 * The one list of modules, in start order. Modules load on demand so that a command
 * pays only for the modules it uses.
 */
export const modules: readonly ModuleEntry[] = [
  { name: "presence", load: () => import("./modules/presence/index.ts") },
  { name: "homeassistant", topLevel: ["hass"], load: () => import("./modules/homeassistant/index.ts") },
  { name: "iptv", load: () => import("./modules/iptv/index.ts") },
  { name: "media", load: () => import("./modules/media/index.ts") },
  { name: "calendar", load: () => import("./modules/calendar/index.ts") },
  { name: "voice", topLevel: ["say"], load: () => import("./modules/voice/index.ts") },
  { name: "files", topLevel: ["recent", "bookmarks"], load: () => import("./modules/files/index.ts") },
];
