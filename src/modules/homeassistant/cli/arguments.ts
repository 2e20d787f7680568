import { parse } from "yaml";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { Target } from "../config.ts";

const ENTITY_ID = /^[a-z0-9_]+\.[a-z0-9_]+$/;

function list(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

function one(values: string[]): string | string[] {
  return values.length === 1 ? values[0]! : values;
}

/** `--target light.office,light.desk --area kitchen` as Home Assistant's target object. */
export function parseTarget(options: {
  target?: readonly string[];
  area?: readonly string[];
  device?: readonly string[];
  floor?: readonly string[];
  label?: readonly string[];
}): Target | undefined {
  const entities = list(options.target);
  const bad = entities.find((id) => !ENTITY_ID.test(id));
  if (bad) {
    throw new UserError(`--target "${bad}" is not an entity id`, {
      code: ExitCode.usage,
      hint: "write domain.object_id, e.g. --target light.office (several: --target light.office,light.desk)",
    });
  }
  const target: Target = {};
  if (entities.length) target.entity_id = one(entities);
  for (const [key, values] of [
    ["area_id", list(options.area)],
    ["device_id", list(options.device)],
    ["floor_id", list(options.floor)],
    ["label_id", list(options.label)],
  ] as const) {
    if (values.length) target[key] = one(values);
  }
  return Object.keys(target).length ? target : undefined;
}

/**
 * `brightness=128 rgb_color=[255,0,0] message="hi there"` as service data: each value
 * is read as YAML, so numbers, booleans, lists and maps arrive typed.
 */
export function parseData(pairs: readonly string[]): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const pair of pairs) {
    const index = pair.indexOf("=");
    const key = index > 0 ? pair.slice(0, index).trim() : "";
    if (!key) {
      throw new UserError(`"${pair}" is not key=value`, {
        code: ExitCode.usage,
        hint: "service data is written as key=value, e.g. brightness_pct=40 or rgb_color=[255,0,0]",
      });
    }
    const text = pair.slice(index + 1);
    let value: unknown;
    try {
      value = text === "" ? "" : parse(text);
    } catch {
      value = text;
    }
    data[key] = value ?? null;
  }
  return data;
}
