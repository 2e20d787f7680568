import { type FSWatcher, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parse } from "yaml";
import { configFiles } from "../../../core/config/files.ts";
import { deepMerge } from "../../../core/config/load.ts";
import type { Logger } from "../../../core/log.ts";
import type { ModuleContext } from "../../../core/module.ts";
import { IptvConfig } from "../config.ts";
import { iptvEnv } from "../env.ts";

async function readSection(file: string): Promise<unknown> {
  try {
    const doc = parse(await readFile(file, "utf8")) as Record<string, unknown> | null;
    return doc && typeof doc === "object" ? doc.iptv : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The iptv section as the config files and environment give it now, as the loader would merge it. */
export async function currentSection(ctx: ModuleContext): Promise<IptvConfig> {
  const files = configFiles(ctx.paths, ctx.hostname);
  let raw = deepMerge(await readSection(files.base), await readSection(files.host));
  raw = deepMerge(raw ?? {}, iptvEnv(ctx.env));
  const section = { ...(raw as Record<string, unknown>) };
  delete section.enabled;
  const parsed = IptvConfig.safeParse(section);
  if (!parsed.success) {
    const problem = parsed.error.issues[0];
    throw new Error(`${problem?.path.join(".") || "iptv"}: ${problem?.message ?? "invalid"}`);
  }
  return parsed.data;
}

function sameConfig(a: IptvConfig, b: IptvConfig): boolean {
  const strip = (c: IptvConfig) => JSON.stringify({ ...c, enabled: undefined });
  return strip(a) === strip(b);
}

/**
 * Applies edits to the iptv section (users, profiles, filters, limits) while the proxy
 * runs: the config directory is watched and a changed section is applied in place.
 * Only when the running config came from those files: a `--config` file elsewhere is
 * not watched. A broken edit is logged and the running config stays.
 */
export async function watchConfig(
  ctx: ModuleContext,
  running: IptvConfig,
  apply: (config: IptvConfig) => void,
  log: Logger,
): Promise<() => void> {
  let current = running;
  try {
    if (!sameConfig(await currentSection(ctx), running)) return () => {};
  } catch {
    return () => {};
  }
  const files = configFiles(ctx.paths, ctx.hostname);
  const names = new Set([basename(files.base), basename(files.host)]);
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    try {
      const next = await currentSection(ctx);
      if (sameConfig(next, current)) return;
      apply(next);
      current = next;
      log.info("iptv config change applied");
    } catch (error) {
      log.warn({ reason: (error as Error).message }, "iptv config change ignored; the running config stays");
    }
  };
  let watcher: FSWatcher;
  try {
    watcher = watch(ctx.paths.configDir, (_event, name) => {
      if (name && !names.has(String(name))) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void check(), 250);
    });
  } catch {
    return () => {};
  }
  watcher.on("error", () => watcher.close());
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}
