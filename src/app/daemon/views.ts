import { z } from "zod";
import type { CommandDef, Entity } from "../../core/store.ts";

/** How an entity leaves the daemon (control socket, dashboard): plain JSON. */
export function entityView(entity: Entity) {
  const { state, ...def } = entity;
  return {
    ...def,
    value: state?.value ?? null,
    attributes: state?.attributes ?? {},
    changedAt: state?.changedAt ?? null,
  };
}
export type EntityView = ReturnType<typeof entityView>;

const schemaCache = new WeakMap<object, unknown>();

/** A command with the JSON Schema of its arguments, so a dashboard can draw a form. */
export function commandView(command: CommandDef) {
  let schema = schemaCache.get(command.args);
  if (schema === undefined) {
    try {
      schema = z.toJSONSchema(command.args, { io: "input", unrepresentable: "any" });
    } catch {
      schema = {};
    }
    schemaCache.set(command.args, schema);
  }
  return { id: command.id, summary: command.summary, args: schema };
}
export type CommandView = ReturnType<typeof commandView>;
