import type { Logger } from "../../core/log.ts";
import { type ChainOptions, openFirst, rank } from "./chain.ts";
import type { HookState } from "./hooks.ts";
import type { IdleBackend, IdleSource } from "./source.ts";

export interface IdleStatus {
  /** Undefined when no source works on this desktop. */
  idle: boolean | undefined;
  idleSeconds: number | undefined;
  backend: IdleBackend | "none";
  /** Why the sources before it were passed over. */
  tried: Partial<Record<IdleBackend, string>>;
}

export function verdict(reading: { idleMs: number; idle?: boolean }, thresholdMs: number): boolean {
  return reading.idle ?? reading.idleMs >= thresholdMs;
}

/** One reading from the first working source, for `deskhub presence status`. */
export async function probeIdle(options: ChainOptions): Promise<IdleStatus> {
  const { source, tried } = await openFirst({ ...options, oneShot: true });
  if (!source) return { idle: undefined, idleSeconds: undefined, backend: "none", tried };
  try {
    const reading = await source.read();
    return {
      idle: verdict(reading, options.thresholdMs),
      idleSeconds: Math.floor(reading.idleMs / 1000),
      backend: source.name,
      tried,
    };
  } finally {
    await source.close();
  }
}

export interface IdleMonitorOptions extends ChainOptions {
  pollMs: number;
  /** With no working source, how often to walk the chain again (a desktop may start later). */
  rescanMs?: number;
  log?: Logger;
  onStatus(status: IdleStatus): void;
}

/**
 * Keeps the idle state current: polls the winning source, listens to event-driven
 * ones, and walks the chain again when the source fails (GNOME Shell restarted, the
 * bus went away) or, with nothing working, every `rescanMs`.
 */
export class IdleMonitor {
  #options: IdleMonitorOptions;
  #source: IdleSource | undefined;
  #tried: IdleStatus["tried"] = {};
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #busy: Promise<void> = Promise.resolve();
  #status: IdleStatus = { idle: undefined, idleSeconds: undefined, backend: "none", tried: {} };
  /** Whether "no idle source" was logged already: a headless box would say it every minute. */
  #saidNone = false;

  constructor(options: IdleMonitorOptions) {
    this.#options = options;
  }

  get status(): IdleStatus {
    return this.#status;
  }

  async start(): Promise<void> {
    this.#running = true;
    await this.#serial(() => this.#select());
    await this.#serial(() => this.#tick());
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#busy;
    await this.#source?.close();
    this.#source = undefined;
  }

  /** A crossing from `deskhub presence idle|active`; hooks outrank the sources below them. */
  async hook(state: HookState, idleForMs = 0): Promise<void> {
    await this.#options.hooks.report(state, idleForMs);
    const current = this.#source?.name;
    const canSwitch = this.#options.backend === "auto" || this.#options.backend === "hooks";
    if (canSwitch && current !== "hooks" && (current === undefined || rank("hooks") < rank(current))) {
      await this.#serial(async () => {
        await this.#source?.close();
        this.#source = this.#options.hooks;
        // Only the sources above the hooks were passed over now.
        this.#tried = Object.fromEntries(
          Object.entries(this.#tried).filter(([name]) => rank(name as IdleBackend) < rank("hooks")),
        );
        this.#options.log?.info({ replaced: current }, "idle hooks are reporting; using them");
      });
    }
    this.#schedule(0);
  }

  #serial(task: () => Promise<void>): Promise<void> {
    const next = this.#busy.then(task, task);
    this.#busy = next.catch(() => {});
    return next;
  }

  async #select(): Promise<void> {
    await this.#source?.close();
    const { source, tried } = await openFirst(this.#options);
    this.#source = source;
    this.#tried = tried;
    if (source) {
      source.onChange?.(() => this.#schedule(0));
      this.#saidNone = false;
      this.#options.log?.info({ backend: source.name, skipped: tried }, "idle source chosen");
    } else if (!this.#saidNone) {
      this.#saidNone = true;
      this.#options.log?.warn({ tried }, "no idle source works on this desktop; looking again every minute");
    }
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#serial(() => this.#tick()).catch((error) =>
        this.#options.log?.error({ err: error }, "idle poll failed"),
      );
    }, delayMs);
  }

  async #tick(): Promise<void> {
    if (!this.#running) return;
    if (!this.#source) await this.#select();
    const source = this.#source;
    let next = this.#options.pollMs;
    if (!source) {
      this.#publish({ idle: undefined, idleSeconds: undefined, backend: "none", tried: this.#tried });
      next = this.#options.rescanMs ?? 60_000;
    } else {
      try {
        const reading = await source.read();
        this.#publish({
          idle: verdict(reading, this.#options.thresholdMs),
          idleSeconds: Math.floor(reading.idleMs / 1000),
          backend: source.name,
          tried: this.#tried,
        });
      } catch (error) {
        this.#options.log?.warn(
          { err: error, backend: source.name },
          "idle source failed; trying the chain again",
        );
        await source.close().catch(() => {});
        this.#source = undefined;
      }
    }
    this.#schedule(next);
  }

  #publish(status: IdleStatus): void {
    this.#status = status;
    this.#options.onStatus(status);
  }
}
