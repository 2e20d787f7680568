import { readFile } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomic } from "../../core/atomic.ts";
import type { Paths } from "../../core/paths.ts";
import { OVERRIDES, type Override } from "./config.ts";
import { stateFile } from "./files.ts";

const StateFile = z.looseObject({ override: z.enum(OVERRIDES).catch("auto") });

/** The manual override outlives restarts: forcing "in office" on should not undo itself on reboot. */
export async function loadOverride(paths: Pick<Paths, "stateDir">): Promise<Override> {
  try {
    const parsed = StateFile.safeParse(JSON.parse(await readFile(stateFile(paths), "utf8")));
    return parsed.success ? parsed.data.override : "auto";
  } catch {
    return "auto";
  }
}

export async function saveOverride(paths: Pick<Paths, "stateDir">, override: Override): Promise<void> {
  await writeFileAtomic(stateFile(paths), `${JSON.stringify({ override }, null, 2)}\n`, { mode: 0o600 });
}
