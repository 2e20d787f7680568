import { hostname as osHostname } from "node:os";
import { join } from "node:path";
import { configSources } from "./config/files.ts";
import type { AppConfig, LoadedConfig } from "./config/load.ts";
import { type DatabaseSync, openDatabase } from "./db.ts";
import type { Logger } from "./log.ts";
import type { ModuleContext, ModuleDef } from "./module.ts";
import { type Paths, resolvePaths } from "./paths.ts";
import { registerSecret } from "./redact.ts";
import { Secrets } from "./secrets/secrets.ts";
import { Store } from "./store.ts";

/** Everything one deskhub process shares between its modules. */
export interface Runtime {
  paths: Paths;
  env: NodeJS.ProcessEnv;
  hostname: string;
  nodeId: string;
  modules: readonly ModuleDef[];
  loaded: LoadedConfig;
  config: AppConfig;
  log: Logger;
  store: Store;
  secrets: Secrets;
  databases: Map<string, Promise<DatabaseSync>>;
}

/** Home Assistant object ids and MQTT topics allow [a-zA-Z0-9_-]. */
export function nodeIdFor(hostname: string): string {
  return hostname.toLowerCase().replace(/[^a-z0-9_-]/g, "_");
}

export async function loadRuntimeConfig(options: {
  env: NodeJS.ProcessEnv;
  modules: readonly ModuleDef[];
  unchecked?: readonly string[];
  configFile?: string;
  /** A short-lived command may take the config kept from its last run (config/kept.ts). */
  kept?: boolean;
}): Promise<{ paths: Paths; hostname: string; loaded: LoadedConfig }> {
  const paths = resolvePaths(options.env);
  const hostname = options.env.DESKHUB_HOSTNAME || osHostname();
  const load = async () =>
    (await import("./config/load.ts")).loadConfig({
      paths,
      hostname,
      env: options.env,
      modules: options.modules,
      unchecked: options.unchecked,
      file: options.configFile,
    });
  if (!options.kept) return { paths, hostname, loaded: await load() };
  const { loadKept } = await import("./config/kept.ts");
  const loaded = await loadKept(
    {
      paths,
      env: options.env,
      modules: options.modules,
      unchecked: options.unchecked ?? [],
      files: configSources(paths, hostname, options.configFile),
    },
    load,
  );
  return { paths, hostname, loaded };
}

export async function createRuntime(options: {
  env: NodeJS.ProcessEnv;
  modules: readonly ModuleDef[];
  /** Modules not loaded in this process (a CLI command of one module): their sections pass unchecked. */
  unchecked?: readonly string[];
  log: Logger;
  configFile?: string;
  store?: Store;
  /**
   * The daemon starts on a broken config with every default, so the dashboard can show
   * the problems; `loaded.problems` keeps them. Commands refuse to run instead.
   */
  allowInvalid?: boolean;
  kept?: boolean;
}): Promise<Runtime> {
  const { paths, hostname, loaded } = await loadRuntimeConfig(options);
  const config = loaded.config ?? (await configOnProblems(options, loaded));
  registerSecret(config.dashboard.token);
  const secrets = new Secrets({
    env: options.env,
    paths,
    sopsFiles: config.secrets.sops_files,
    files: config.secrets.files,
  });
  for (const def of options.modules)
    for (const spec of def.secrets ?? []) secrets.declare({ ...spec, module: def.name });
  return {
    paths,
    env: options.env,
    hostname,
    nodeId: nodeIdFor(hostname),
    modules: options.modules,
    loaded,
    config,
    log: options.log,
    store:
      options.store ??
      new Store({
        onListenerError: (error, event) => options.log.error({ err: error, event }, "store listener failed"),
      }),
    secrets,
    databases: new Map(),
  };
}

/** Defaults for the daemon (which shows the problems); for a command, exit 78 naming them. */
async function configOnProblems(
  options: { modules: readonly ModuleDef[]; allowInvalid?: boolean },
  loaded: LoadedConfig,
): Promise<AppConfig> {
  if (!options.allowInvalid) return (await import("./config/load.ts")).requireConfig(loaded);
  const { buildSchema } = await import("./config/schema.ts");
  return (await buildSchema(options.modules)).parse({}) as AppConfig;
}

export function moduleContext(runtime: Runtime, module: string): ModuleContext {
  return {
    module,
    paths: runtime.paths,
    env: runtime.env,
    nodeId: runtime.nodeId,
    hostname: runtime.hostname,
    config: runtime.config,
    log: runtime.log.child({ module }),
    store: runtime.store,
    secrets: runtime.secrets,
    async openDb(file, migrations = []) {
      const path = join(runtime.paths.dataDir, file);
      const cached = runtime.databases.get(path);
      // A service that closed its database on stop gets a fresh handle when it restarts.
      if (cached && (await cached.catch(() => undefined))?.isOpen) return cached;
      const db = openDatabase(path, migrations);
      runtime.databases.set(path, db);
      return db;
    },
  };
}

export async function closeDatabases(runtime: Runtime): Promise<void> {
  for (const pending of runtime.databases.values()) {
    const db = await pending.catch(() => undefined);
    if (db?.isOpen) db.close();
  }
  runtime.databases.clear();
}
