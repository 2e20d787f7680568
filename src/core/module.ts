import type { Command } from "commander";
import type { FastifyPluginAsync } from "fastify";
import type { z } from "zod";
import type { DatabaseSync } from "./db.ts";
import type { Logger } from "./log.ts";
import type { Paths } from "./paths.ts";
import type { SecretSpec, Secrets } from "./secrets/secrets.ts";
import type { Store } from "./store.ts";

/** Whether a module can do its job with the config and secrets it has. */
export type Readiness = { ready: true } | { ready: false; missing: string; how: string };

/** What every part of a module gets; nothing in deskhub is a global. */
export interface ModuleContext {
  module: string;
  paths: Paths;
  env: NodeJS.ProcessEnv;
  /** Node id in MQTT topics and Home Assistant: the hostname, normalised. */
  nodeId: string;
  hostname: string;
  /** The whole validated config, for the rare module that reads another's section. */
  config: Readonly<Record<string, unknown>>;
  log: Logger;
  store: Store;
  secrets: Secrets;
  /** Opens `$XDG_DATA_HOME/deskhub/<file>` with the module's migrations applied. */
  openDb(file: string, migrations?: readonly string[]): Promise<DatabaseSync>;
}

/** What a long-running service gets from the daemon on top of the module context. */
export interface ServiceContext extends ModuleContext {
  /** Adds routes to the daemon's web server under `/<module>/`. Call before `start`. */
  http: { register(plugin: FastifyPluginAsync): void };
  /** Reports trouble that is not a crash (a broker that went away); shown as degraded. */
  health(state: "ok" | "degraded", message?: string): void;
  /**
   * Reports that the service can no longer run (an error outside `start`, in a timer or
   * a socket handler): the daemon stops it and starts it again with backoff.
   */
  crashed(error: unknown): void;
  /** Aborted when the daemon stops the service. */
  signal: AbortSignal;
}

export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What a module's CLI commands get: config and context are loaded only when a command runs. */
export interface CliApp<C> {
  load(): Promise<{ ctx: ModuleContext; config: C }>;
  /** True when the user asked for machine-readable output on this command. */
  output: { json(value: unknown): void; line(text: string): void };
}

export interface ModuleDef<S extends z.ZodObject = z.ZodObject> {
  name: string;
  summary: string;
  /** The module's config.yaml section, with defaults; unknown keys are errors. */
  config(): Promise<S>;
  /** The old scripts' environment variables, mapped onto this section; they win over the file. */
  env?(env: NodeJS.ProcessEnv): Record<string, unknown> | undefined;
  /** Secrets the module may ask for. */
  secrets?: readonly SecretSpec[];
  /** Whether the module has what it needs; the dashboard shows `how` when it does not. */
  readiness?(config: z.output<S>, ctx: ModuleContext): Readiness | Promise<Readiness>;
  /** Adds `deskhub <name> ...` subcommands (and, rarely, top-level ones such as `say`). */
  commands?(cli: Command, app: CliApp<z.output<S>>): void;
  /** The part that runs inside `deskhub up`. */
  service?(ctx: ServiceContext, config: z.output<S>): Service;
}

/**
 * Assign the result to a constant and export that (`export default presenceModule`):
 * tsc does not rewrite the `.ts` of a dynamic import inside an `export default`
 * expression, and the packaged JavaScript would then fail to load the service.
 */
export function defineModule<S extends z.ZodObject>(def: ModuleDef<S>): ModuleDef<S> {
  return def;
}
