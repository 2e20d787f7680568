import type { DesktopBuses } from "../dbus.ts";
import type { HookIdle } from "./hooks.ts";
import { LogindIdle, LogindSession } from "./logind.ts";
import { MutterIdle } from "./mutter.ts";
import { ScreenSaverIdle } from "./screensaver.ts";
import { IDLE_BACKENDS, type IdleBackend, type IdleSource } from "./source.ts";
import { SwayidleIdle } from "./swayidle.ts";
import { X11Idle } from "./x11.ts";

export interface ChainOptions {
  env: NodeJS.ProcessEnv;
  buses: DesktopBuses;
  /** `auto` walks the chain; a name forces that one source. */
  backend: IdleBackend | "auto";
  thresholdMs: number;
  hooks: HookIdle;
  /** Leave out sources that only make sense in a long-running process (swayidle). */
  oneShot?: boolean;
  now?: () => number;
}

export function createSource(name: IdleBackend, options: ChainOptions): IdleSource {
  switch (name) {
    case "mutter":
      return new MutterIdle(options.buses);
    case "screensaver":
      return new ScreenSaverIdle(options.buses);
    case "swayidle":
      return new SwayidleIdle({ env: options.env, thresholdMs: options.thresholdMs, now: options.now });
    case "hooks":
      return options.hooks;
    case "x11":
      return new X11Idle(options.env);
    case "logind":
      return new LogindIdle(new LogindSession(options.buses, options.env), options.now);
  }
}

export function rank(name: IdleBackend): number {
  return IDLE_BACKENDS.indexOf(name);
}

export interface ChainResult {
  source: IdleSource | undefined;
  /** Why each source before the winner (or every source, when none works) was passed over. */
  tried: Partial<Record<IdleBackend, string>>;
}

/** Opens the sources in order; the first that answers wins. */
export async function openFirst(options: ChainOptions): Promise<ChainResult> {
  const names = options.backend === "auto" ? IDLE_BACKENDS : [options.backend];
  const tried: Partial<Record<IdleBackend, string>> = {};
  for (const name of names) {
    if (options.oneShot && name === "swayidle") {
      tried[name] = "watches only inside the daemon";
      continue;
    }
    const source = createSource(name, options);
    try {
      await source.open();
      return { source, tried };
    } catch (error) {
      tried[name] = (error as Error).message;
      await source.close().catch(() => {});
    }
  }
  return { source: undefined, tried };
}
