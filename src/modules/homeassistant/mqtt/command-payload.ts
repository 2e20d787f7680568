import { z } from "zod";
import type { Entity } from "../../../core/store.ts";
import type { Platform } from "../discovery/components.ts";
import type { CommandStyle } from "../discovery/exposure.ts";

export type Parsed = { ok: true; args: Record<string, unknown> } | { ok: false; error: string };

/** Larger payloads are not something Home Assistant sends; they are refused unread. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

const Press = z.literal("PRESS");
const OnOff = z
  .string()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(["ON", "OFF"]))
  .transform((s) => s === "ON");
const Text = z.string().max(255);
const JsonArgs = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "not JSON" });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.unknown()));

function problem(error: z.ZodError): string {
  return error.issues.map((i) => i.message).join("; ");
}

function parse<T>(
  schema: z.ZodType<T>,
  payload: string,
  wrap: (value: T) => Record<string, unknown>,
): Parsed {
  const result = schema.safeParse(payload);
  return result.success ? { ok: true, args: wrap(result.data) } : { ok: false, error: problem(result.error) };
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function numberSchema(entity: Entity) {
  let schema = z.string().trim().regex(NUMBER, "not a number").transform(Number);
  if (entity.min !== undefined)
    schema = schema.refine((n) => n >= entity.min!, `below the minimum ${entity.min}`);
  if (entity.max !== undefined)
    schema = schema.refine((n) => n <= entity.max!, `above the maximum ${entity.max}`);
  return schema;
}

/** The `{ value }` an entity's command gets from what Home Assistant published on its set topic. */
export function entityCommandArgs(entity: Entity, platform: Platform, payload: string): Parsed {
  switch (platform) {
    case "switch":
      return parse(OnOff, payload, (value) => ({ value }));
    case "button":
      return parse(Press, payload, () => ({}));
    case "select":
      return parse(z.enum(entity.options as [string, ...string[]]), payload, (value) => ({ value }));
    case "number":
      return parse(numberSchema(entity), payload, (value) => ({ value }));
    case "text":
      return parse(Text, payload, (value) => ({ value }));
    default:
      return { ok: false, error: `a ${platform} cannot be set` };
  }
}

/** The arguments for a command without an entity, by the way it was offered. */
export function commandArgs(how: CommandStyle, payload: string): Parsed {
  switch (how.style) {
    case "button":
      return parse(Press, payload, () => ({}));
    case "select":
      return parse(z.enum(how.options as [string, ...string[]]), payload, (value) => ({
        [how.field]: value,
      }));
    case "text":
      return parse(Text, payload, (value) => ({ [how.field]: value }));
    case "json":
      return parse(JsonArgs, payload, (value) => value);
  }
}
