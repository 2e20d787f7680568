import type { LoadedConfig } from "../../core/config/load.ts";
import type { Logger, LogLevel } from "../../core/log.ts";
import type { ModuleDef } from "../../core/module.ts";
import type { Runtime } from "../../core/runtime.ts";
import { modules as moduleList } from "../../modules.ts";

export interface SessionOptions {
  env: NodeJS.ProcessEnv;
  configFile?: string;
}

/** The module list, or only the one module a command line names. */
function selected(only: string | undefined) {
  const chosen = only === undefined ? moduleList : moduleList.filter((entry) => entry.name === only);
  const skipped = moduleList.filter((entry) => !chosen.includes(entry)).map((entry) => entry.name);
  return { chosen, skipped };
}

/**
 * What a short-lived command needs, built on first use: module definitions, config,
 * logger and runtime. A command that needs none of it pays for none of it.
 */
export class CliSession {
  readonly env: NodeJS.ProcessEnv;
  configFile: string | undefined;
  /**
   * Set before first use when the command belongs to one module (`deskhub voice start`):
   * only that module loads, and the other sections of the config pass unchecked.
   */
  only: string | undefined;
  #modules: Promise<ModuleDef[]> | undefined;
  #runtime: Promise<Runtime> | undefined;
  #log: Promise<Logger> | undefined;

  constructor(options: SessionOptions) {
    this.env = options.env;
    this.configFile = options.configFile;
  }

  /** A command of one module: only it loads, and its kept config is looked up (started now). */
  selectModule(name: string): void {
    this.only = name;
    import("../../core/config/kept.ts").then((kept) => kept.fingerprintCode()).catch(() => {});
  }

  modules(): Promise<ModuleDef[]> {
    this.#modules ??= Promise.all(
      selected(this.only).chosen.map(async (entry) => (await entry.load()).default),
    );
    return this.#modules;
  }

  logger(): Promise<Logger> {
    // pino itself loads only when something is logged: most commands log nothing.
    this.#log ??= import("../../core/log.ts").then(({ deferredLogger }) =>
      deferredLogger({
        level: (this.env.DESKHUB_LOG_LEVEL as LogLevel | undefined) ?? "warn",
        pretty: process.stderr.isTTY,
      }),
    );
    return this.#log;
  }

  async loadConfig(): Promise<LoadedConfig> {
    const { loadRuntimeConfig } = await import("../../core/runtime.ts");
    return (
      await loadRuntimeConfig({
        env: this.env,
        modules: await this.modules(),
        unchecked: selected(this.only).skipped,
        configFile: this.configFile,
      })
    ).loaded;
  }

  runtime(): Promise<Runtime> {
    this.#runtime ??= (async () =>
      (await import("../../core/runtime.ts")).createRuntime({
        env: this.env,
        modules: await this.modules(),
        unchecked: selected(this.only).skipped,
        log: await this.logger(),
        configFile: this.configFile,
        kept: true,
      }))();
    return this.#runtime;
  }
}
