import { errorMessage } from "../../../core/errors.ts";
import type { Logger } from "../../../core/log.ts";
import type { EntityValue, Store } from "../../../core/store.ts";
import type { Rule, ServiceCall } from "../config.ts";
import type { Clock } from "./clock.ts";
import { describe, matches, oneOf } from "./match.ts";

/** Values the rules can test that are not in the store: Home Assistant's own entities. */
export interface ExternalStates {
  value(entityId: string): string | undefined;
  onChange(
    listener: (entityId: string, value: string | undefined, previous: string | undefined) => void,
  ): () => void;
}

export interface RetryPolicy {
  attempts: number;
  delayMs: number;
  maxDelayMs: number;
}

export type RuleStatus = "never fired" | "ok" | "retrying" | "failed" | "cancelled" | "skipped";

interface Run {
  rule: Rule;
  entityId: string;
  /** The `when` condition holds now. */
  active: boolean;
  timer?: unknown;
  retry?: unknown;
  /** Bumped whenever a firing is superseded, so a late answer from it is ignored. */
  generation: number;
  firedAt?: number;
}

export function ruleEntityId(rule: Pick<Rule, "name">): string {
  return `homeassistant.rule_${rule.name}`;
}

/**
 * Evaluates the config's rules: when an entity (deskhub's or Home Assistant's) enters
 * a state and stays there for the given time, and no `unless` holds, it calls a Home
 * Assistant service. A failed call is retried with backoff while the condition still
 * holds; every firing, retry and failure is logged and shown on the rule's entity.
 */
export class RuleEngine {
  #runs: Run[];
  #store: Store;
  #external: ExternalStates | undefined;
  #call: (call: ServiceCall) => Promise<unknown>;
  #clock: Clock;
  #log: Logger;
  #retry: RetryPolicy;
  #onProblem: (rule: string, message: string | undefined) => void;
  #off: Array<() => void> = [];
  #inFlight = new Set<Promise<void>>();

  constructor(options: {
    rules: readonly Rule[];
    store: Store;
    external?: ExternalStates;
    call: (call: ServiceCall) => Promise<unknown>;
    clock: Clock;
    log: Logger;
    retry: RetryPolicy;
    onProblem?: (rule: string, message: string | undefined) => void;
  }) {
    this.#runs = options.rules.map((rule) => ({
      rule,
      entityId: ruleEntityId(rule),
      active: false,
      generation: 0,
    }));
    this.#store = options.store;
    this.#external = options.external;
    this.#call = options.call;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#retry = options.retry;
    this.#onProblem = options.onProblem ?? (() => {});
  }

  start(): void {
    for (const run of this.#runs) {
      const { rule } = run;
      this.#store.define({
        id: run.entityId,
        kind: "sensor",
        name: `Rule ${rule.name.replace(/_/g, " ")}`,
        deviceClass: "timestamp",
        icon: "mdi:robot",
      });
      this.#setEntity(run, "never fired", {});
    }
    this.#off.push(
      this.#store.bus.on("entity:state", ({ entity, previous }) =>
        this.#changed(entity.id, entity.state?.value, previous?.value),
      ),
    );
    if (this.#external) {
      this.#off.push(
        this.#external.onChange((id, value, previous) => {
          if (!this.#store.get(id)) this.#changed(id, value, previous);
        }),
      );
    }
    // What is true at start counts as a change from nothing.
    for (const run of this.#runs) this.#evaluate(run, this.#value(run.rule.when.entity), undefined);
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off();
    for (const run of this.#runs) {
      this.#clock.clearTimeout(run.timer);
      this.#clock.clearTimeout(run.retry);
      run.generation++;
    }
  }

  /** Resolves when no service call is in flight (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  #value(entityId: string): EntityValue | undefined {
    const local = this.#store.get(entityId);
    if (local) return local.state?.value;
    return this.#external?.value(entityId);
  }

  #changed(entityId: string, value: EntityValue | undefined, previous: EntityValue | undefined): void {
    for (const run of this.#runs) if (run.rule.when.entity === entityId) this.#evaluate(run, value, previous);
  }

  #evaluate(run: Run, value: EntityValue | undefined, previous: EntityValue | undefined): void {
    const { when } = run.rule;
    const holds = matches(when, value);
    if (holds === run.active) return;
    run.active = holds;
    if (!holds) {
      this.#clock.clearTimeout(run.timer);
      run.timer = undefined;
      if (run.retry !== undefined) {
        this.#clock.clearTimeout(run.retry);
        run.retry = undefined;
        run.generation++;
        this.#log.warn(
          { rule: run.rule.name },
          "rule: not retrying the failed call, its condition no longer holds",
        );
        this.#setEntity(run, "cancelled", { reason: `${describe(when)} no longer holds` });
      }
      return;
    }
    // A value seen first at start only counts for a rule that waits: "idle for 10 m".
    if (previous === undefined && when.for === undefined) return;
    if (when.from !== undefined && !oneOf(when.from, previous)) return;
    if (when.for) run.timer = this.#clock.setTimeout(() => this.#fire(run), when.for * 1000);
    else this.#fire(run);
  }

  #fire(run: Run): void {
    run.timer = undefined;
    const { rule } = run;
    const blocker = rule.unless.find((c) => matches(c, this.#value(c.entity)));
    if (blocker) {
      this.#log.info({ rule: rule.name, unless: describe(blocker) }, "rule: skipped");
      this.#setEntity(run, "skipped", { reason: `unless ${describe(blocker)}` }, false);
      return;
    }
    run.generation++;
    run.firedAt = this.#clock.now();
    this.#log.info({ rule: rule.name, service: rule.call.service, target: rule.call.target }, "rule fired");
    this.#attempt(run, 1, run.generation);
  }

  #attempt(run: Run, attempt: number, generation: number): void {
    run.retry = undefined;
    const { rule } = run;
    const task = this.#call(rule.call).then(
      () => {
        if (generation !== run.generation) return;
        this.#log.info({ rule: rule.name, attempt }, "rule: call succeeded");
        this.#setEntity(run, "ok", { attempts: attempt });
        this.#onProblem(rule.name, undefined);
      },
      (error: unknown) => {
        if (generation !== run.generation) return;
        const message = errorMessage(error);
        if (attempt >= this.#retry.attempts) {
          this.#log.error(
            { rule: rule.name, attempts: attempt, err: message },
            "rule: call failed; giving up",
          );
          this.#setEntity(run, "failed", { attempts: attempt, error: message });
          this.#onProblem(
            rule.name,
            `rule ${rule.name}: ${rule.call.service} failed ${attempt} times: ${message}`,
          );
          return;
        }
        const delay = Math.min(this.#retry.delayMs * 2 ** (attempt - 1), this.#retry.maxDelayMs);
        this.#log.warn(
          { rule: rule.name, attempt, retryInMs: delay, err: message },
          "rule: call failed; retrying",
        );
        this.#setEntity(run, "retrying", {
          attempts: attempt,
          error: message,
          next_attempt: new Date(this.#clock.now() + delay).toISOString(),
        });
        run.retry = this.#clock.setTimeout(() => this.#attempt(run, attempt + 1, generation), delay);
      },
    );
    this.#inFlight.add(task);
    void task.finally(() => this.#inFlight.delete(task));
  }

  #setEntity(run: Run, status: RuleStatus, extra: Record<string, unknown>, fired = true): void {
    const { rule } = run;
    const current = this.#store.get(run.entityId)?.state;
    const value =
      fired && run.firedAt !== undefined ? new Date(run.firedAt).toISOString() : (current?.value ?? null);
    this.#store.set(run.entityId, value, {
      status,
      when: `${describe(rule.when)}${rule.when.for ? ` for ${rule.when.for} s` : ""}`,
      service: rule.call.service,
      ...(rule.call.target ? { target: rule.call.target } : {}),
      ...extra,
    });
  }
}
