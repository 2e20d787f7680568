import type { FastifyPluginAsync } from "fastify";
import { errorMessage, errorWithHint, isUserError } from "../../core/errors.ts";
import type { ModuleDef, Readiness, Service, ServiceContext } from "../../core/module.ts";
import { moduleContext, type Runtime } from "../../core/runtime.ts";

export type HealthState =
  | "starting"
  | "running"
  | "degraded"
  | "failed"
  | "stopped"
  | "disabled"
  | "needs_config"
  | "available";

export interface ModuleHealth {
  module: string;
  summary: string;
  state: HealthState;
  message?: string;
  /** What to do when the module needs configuring. */
  how?: string;
  restarts: number;
}

interface Slot {
  def: ModuleDef;
  service?: Service;
  controller?: AbortController;
  restarts: number;
  timer?: NodeJS.Timeout;
  stopping: boolean;
  /** Bumped on every (re)start, so a late crash report from an old instance is ignored. */
  generation: number;
}

const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];

/**
 * Starts every enabled module's service in order, restarts one that crashes with
 * backoff while the others run on, and reports each module's health as an entity
 * (`<module>.health`) so every sink shows it.
 */
export class Supervisor {
  #runtime: Runtime;
  #slots: Slot[] = [];
  #registerHttp: (module: string, plugin: FastifyPluginAsync) => void;
  #backoff: readonly number[];

  constructor(
    runtime: Runtime,
    options: {
      registerHttp: (module: string, plugin: FastifyPluginAsync) => void;
      backoffMs?: readonly number[];
    },
  ) {
    this.#runtime = runtime;
    this.#registerHttp = options.registerHttp;
    this.#backoff = options.backoffMs ?? BACKOFF_MS;
  }

  #setHealth(
    def: ModuleDef,
    health: Omit<ModuleHealth, "module" | "summary" | "restarts">,
    restarts = 0,
  ): void {
    const { store } = this.#runtime;
    const id = `${def.name}.health`;
    if (!store.get(id)) {
      store.define({
        id,
        kind: "sensor",
        name: `${def.name} health`,
        category: "diagnostic",
        icon: "mdi:heart-pulse",
      });
    }
    store.set(id, health.state, {
      summary: def.summary,
      restarts,
      ...(health.message ? { message: health.message } : {}),
      ...(health.how ? { how: health.how } : {}),
    });
  }

  health(): ModuleHealth[] {
    return this.#runtime.modules.map((def) => {
      const state = this.#runtime.store.get(`${def.name}.health`)?.state;
      const attributes = state?.attributes ?? {};
      return {
        module: def.name,
        summary: def.summary,
        state: (state?.value as HealthState | undefined) ?? "stopped",
        message: attributes.message as string | undefined,
        how: attributes.how as string | undefined,
        restarts: (attributes.restarts as number | undefined) ?? 0,
      };
    });
  }

  async #readiness(def: ModuleDef): Promise<Readiness> {
    const section = this.#runtime.config[def.name] as Record<string, unknown>;
    if (!def.readiness) return { ready: true };
    try {
      return await def.readiness(section as never, moduleContext(this.#runtime, def.name));
    } catch (error) {
      return {
        ready: false,
        missing: errorMessage(error),
        how: isUserError(error) && error.hint ? error.hint : "see deskhub logs",
      };
    }
  }

  /** Creates every service (so they can add HTTP routes) and decides which will run. */
  async prepare(): Promise<void> {
    for (const def of this.#runtime.modules) {
      const section = this.#runtime.config[def.name] as Record<string, unknown> & { enabled: boolean };
      if (!section.enabled) {
        this.#setHealth(def, { state: "disabled", message: `${def.name}.enabled is false in the config` });
        continue;
      }
      const readiness = await this.#readiness(def);
      if (!readiness.ready) {
        this.#setHealth(def, { state: "needs_config", message: readiness.missing, how: readiness.how });
        continue;
      }
      if (!def.service) {
        this.#setHealth(def, {
          state: "available",
          message: "command-line only; nothing runs in the daemon",
        });
        continue;
      }
      const slot: Slot = { def, restarts: 0, stopping: false, generation: 0 };
      this.#slots.push(slot);
      this.#create(slot, true);
      this.#setHealth(def, { state: "starting" });
    }
  }

  #create(slot: Slot, first: boolean): void {
    const { def } = slot;
    const controller = new AbortController();
    const generation = ++slot.generation;
    const base = moduleContext(this.#runtime, def.name);
    const ctx: ServiceContext = {
      ...base,
      http: {
        register: (plugin) => {
          // Routes can be added once: the server is listening by the time a service restarts.
          if (first) this.#registerHttp(def.name, plugin);
        },
      },
      health: (state, message) => {
        if (slot.generation !== generation || slot.stopping) return;
        this.#setHealth(def, { state: state === "ok" ? "running" : "degraded", message }, slot.restarts);
      },
      crashed: (error) => {
        if (slot.generation !== generation || slot.stopping) return;
        void this.#crash(slot, error);
      },
      signal: controller.signal,
    };
    slot.controller = controller;
    slot.service = def.service!(ctx, this.#runtime.config[def.name] as never);
  }

  async start(): Promise<void> {
    for (const slot of this.#slots) await this.#startSlot(slot);
  }

  async #startSlot(slot: Slot): Promise<void> {
    const { def } = slot;
    const log = this.#runtime.log.child({ module: def.name });
    try {
      await slot.service!.start();
      if (slot.stopping) return;
      this.#setHealth(def, { state: "running" }, slot.restarts);
      log.info("started");
    } catch (error) {
      await this.#crash(slot, error);
    }
  }

  async #crash(slot: Slot, error: unknown): Promise<void> {
    const { def } = slot;
    const log = this.#runtime.log.child({ module: def.name });
    const delay = this.#backoff[Math.min(slot.restarts, this.#backoff.length - 1)]!;
    log.error({ err: error, retryInMs: delay }, "service failed; restarting after backoff");
    this.#setHealth(
      def,
      { state: "failed", message: `${errorWithHint(error)} (retry in ${Math.round(delay / 1000)} s)` },
      slot.restarts,
    );
    slot.generation++;
    slot.controller?.abort();
    await this.#stopService(slot);
    if (slot.stopping) return;
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (slot.stopping) return;
      slot.restarts++;
      this.#create(slot, false);
      void this.#startSlot(slot);
    }, delay);
    slot.timer.unref();
  }

  async #stopService(slot: Slot): Promise<void> {
    try {
      await slot.service?.stop();
    } catch (error) {
      this.#runtime.log.warn({ module: slot.def.name, err: error }, "service did not stop cleanly");
    }
  }

  /** Stops services in reverse start order; each gets its share of the deadline. */
  async stop(deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (const slot of [...this.#slots].reverse()) {
      slot.stopping = true;
      if (slot.timer) clearTimeout(slot.timer);
      slot.controller?.abort();
      const left = Math.max(0, deadline - Date.now());
      await Promise.race([this.#stopService(slot), new Promise((r) => setTimeout(r, left).unref())]);
      this.#setHealth(slot.def, { state: "stopped" }, slot.restarts);
    }
  }
}
