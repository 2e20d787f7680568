import { z } from "zod";
import type { CommandDef, Entity, Store } from "../../../core/store.ts";

/**
 * How a command without an entity of its own is offered to Home Assistant: a button when
 * it needs no arguments, a select when it takes one choice, a text box when it takes one
 * string, JSON otherwise.
 */
export type CommandStyle =
  | { style: "button" }
  | { style: "select"; field: string; options: string[] }
  | { style: "text"; field: string }
  | { style: "json" };

export interface ExposedCommand {
  def: CommandDef;
  how: CommandStyle;
}

interface JsonSchemaObject {
  type?: string;
  properties?: Record<string, { type?: string; enum?: unknown[] }>;
  required?: string[];
}

const styles = new WeakMap<CommandDef, CommandStyle>();

export function commandStyle(def: CommandDef): CommandStyle {
  const known = styles.get(def);
  if (known) return known;
  let how: CommandStyle = { style: "json" };
  if (def.args.safeParse({}).success) {
    how = { style: "button" };
  } else {
    try {
      const schema = z.toJSONSchema(def.args, { io: "input", unrepresentable: "any" }) as JsonSchemaObject;
      const required = schema.required ?? [];
      const field = required[0];
      const property = field ? schema.properties?.[field] : undefined;
      if (schema.type === "object" && required.length === 1 && field && property?.type === "string") {
        const options = property.enum?.filter((o): o is string => typeof o === "string");
        how = options?.length ? { style: "select", field, options } : { style: "text", field };
      }
    } catch {
      // A schema JSON Schema cannot describe still takes JSON arguments.
    }
  }
  styles.set(def, how);
  return how;
}

/**
 * Decides what Home Assistant sees: every entity and command in the store, from every
 * module, minus what the user excluded and the few commands that only make sense locally.
 */
/**
 * Ids are ASCII: compared by code unit, so an idle daemon does not load ICU's collator
 * (megabytes of the Node binary paged in) to order its discovery messages.
 */
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class Exposure {
  #exact = new Set<string>();
  #modules = new Set<string>();
  #internal: ReadonlySet<string>;

  constructor(exclude: readonly string[], internal: ReadonlySet<string> = new Set()) {
    for (const pattern of exclude) {
      if (pattern.endsWith(".*")) this.#modules.add(pattern.slice(0, -2));
      else this.#exact.add(pattern);
    }
    this.#internal = internal;
  }

  excluded(id: string): boolean {
    return this.#exact.has(id) || this.#modules.has(id.split(".")[0]!);
  }

  entities(store: Store): Entity[] {
    return store
      .entities()
      .filter((e) => !this.excluded(e.id))
      .sort(byId);
  }

  entity(store: Store, id: string): Entity | undefined {
    const entity = store.get(id);
    return entity && !this.excluded(id) ? entity : undefined;
  }

  commands(store: Store): ExposedCommand[] {
    // A command an entity drives (a switch's turn-on) is reached through that entity.
    const driven = new Set(this.entities(store).flatMap((e) => (e.command ? [e.command] : [])));
    return store
      .commands()
      .filter((c) => !driven.has(c.id) && !this.#internal.has(c.id) && !this.excluded(c.id))
      .sort(byId)
      .map((def) => ({ def, how: commandStyle(def) }));
  }

  command(store: Store, id: string): ExposedCommand | undefined {
    return this.commands(store).find((c) => c.def.id === id);
  }
}
