import type { z } from "zod";
import { Bus } from "./bus.ts";
import { ExitCode, UserError } from "./errors.ts";

/** The Home Assistant component kinds an entity can be; every sink maps from these. */
export type EntityKind = "sensor" | "binary_sensor" | "switch" | "button" | "text" | "select" | "number";

export type EntityValue = string | number | boolean | null;

export interface EntityDef {
  /** `<module>.<name>`, e.g. `presence.idle`; stable, it becomes unique ids downstream. */
  id: string;
  kind: EntityKind;
  name: string;
  unit?: string;
  deviceClass?: string;
  stateClass?: "measurement" | "total" | "total_increasing";
  icon?: string;
  /** Diagnostic entities describe how deskhub works (backends, health), not the home. */
  category?: "diagnostic" | "config";
  /** For select entities. */
  options?: readonly string[];
  /** For number entities. */
  min?: number;
  max?: number;
  step?: number;
  /**
   * For controllable kinds (switch, button, text, select, number): the command run with
   * `{ value }` when a sink (Home Assistant, the dashboard) sets the entity.
   */
  command?: string;
  /** Seconds after which a consumer should consider a silent value stale. */
  expireAfter?: number;
}

export interface EntityState {
  value: EntityValue;
  attributes: Record<string, unknown>;
  /** Epoch milliseconds of the last change. */
  changedAt: number;
}

export interface Entity extends EntityDef {
  state: EntityState | undefined;
}

export type CommandSource = "cli" | "dashboard" | "homeassistant" | "daemon" | "rule" | "voice" | "test";

export interface CommandDef<S extends z.ZodType = z.ZodType> {
  /** `<module>.<verb>`, e.g. `desktop.lock`. */
  id: string;
  summary: string;
  args: S;
  /** Shown as a button or form on the dashboard and exposed to Home Assistant. */
  handler: (args: z.output<S>, meta: { source: CommandSource }) => unknown | Promise<unknown>;
}

export interface CommandInfo {
  id: string;
  summary: string;
}

export interface StoreEvents extends Record<string, unknown> {
  "entity:defined": Entity;
  "entity:removed": { id: string };
  "entity:state": { entity: Entity; previous: EntityState | undefined };
  "command:defined": CommandInfo;
  "command:ran": { id: string; source: CommandSource; ok: boolean; error?: string };
}

const ID = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

function sameValue(
  a: EntityState | undefined,
  value: EntityValue,
  attributes: Record<string, unknown>,
): boolean {
  return a !== undefined && a.value === value && JSON.stringify(a.attributes) === JSON.stringify(attributes);
}

/**
 * The one place where modules put what they know (entities) and what they can do
 * (commands). Sinks subscribe to the bus and never learn which module wrote a value.
 */
export class Store {
  readonly bus: Bus<StoreEvents>;
  #entities = new Map<string, Entity>();
  #commands = new Map<string, CommandDef>();
  #now: () => number;

  constructor(
    options: { now?: () => number; onListenerError?: (error: unknown, event: string) => void } = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.bus = new Bus<StoreEvents>((error, event) => options.onListenerError?.(error, String(event)));
  }

  define(def: EntityDef): Entity {
    if (!ID.test(def.id)) throw new Error(`entity id "${def.id}" must look like module.name (lowercase)`);
    if (def.kind === "select" && !def.options?.length)
      throw new Error(`select entity ${def.id} needs options`);
    const existing = this.#entities.get(def.id);
    const entity: Entity = { ...def, state: existing?.state };
    this.#entities.set(def.id, entity);
    this.bus.emit("entity:defined", entity);
    return entity;
  }

  remove(id: string): void {
    if (this.#entities.delete(id)) this.bus.emit("entity:removed", { id });
  }

  /** Sets a value; a write that changes nothing emits nothing, so sinks see only changes. */
  set(id: string, value: EntityValue, attributes: Record<string, unknown> = {}): void {
    const entity = this.#entities.get(id);
    if (!entity) throw new Error(`entity ${id} is not defined`);
    const previous = entity.state;
    if (sameValue(previous, value, attributes)) return;
    entity.state = { value, attributes, changedAt: this.#now() };
    this.bus.emit("entity:state", { entity, previous });
  }

  get(id: string): Entity | undefined {
    return this.#entities.get(id);
  }

  value(id: string): EntityValue | undefined {
    return this.#entities.get(id)?.state?.value;
  }

  entities(): Entity[] {
    return [...this.#entities.values()];
  }

  command<S extends z.ZodType>(def: CommandDef<S>): void {
    if (!ID.test(def.id)) throw new Error(`command id "${def.id}" must look like module.verb (lowercase)`);
    this.#commands.set(def.id, def as unknown as CommandDef);
    this.bus.emit("command:defined", { id: def.id, summary: def.summary });
  }

  commands(): CommandDef[] {
    return [...this.#commands.values()];
  }

  /** Runs a command with untrusted arguments: they are parsed by its schema first. */
  async run(id: string, args: unknown, source: CommandSource): Promise<unknown> {
    const command = this.#commands.get(id);
    if (!command) {
      throw new UserError(`no command "${id}"`, {
        code: ExitCode.usage,
        hint: `known commands: ${[...this.#commands.keys()].sort().join(", ") || "none"}`,
      });
    }
    const parsed = command.args.safeParse(args ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`);
      throw new UserError(`bad arguments for ${id}: ${problems.join("; ")}`, { code: ExitCode.usage });
    }
    try {
      const result = await command.handler(parsed.data, { source });
      this.bus.emit("command:ran", { id, source, ok: true });
      return result;
    } catch (error) {
      this.bus.emit("command:ran", {
        id,
        source,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }
}
