import type { EntityValue } from "../../../core/store.ts";
import type { Condition } from "../config.ts";

type Expected = string | number | boolean | readonly (string | number | boolean)[];

/** deskhub values and Home Assistant states compared alike: true is "on", null is "unknown". */
export function normalise(value: EntityValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === null) return "unknown";
  if (typeof value === "boolean") return value ? "on" : "off";
  return String(value);
}

export function oneOf(expected: Expected, value: EntityValue | undefined): boolean {
  const actual = normalise(value);
  if (actual === undefined) return false;
  const list = Array.isArray(expected) ? expected : [expected];
  return list.some((e) => normalise(e) === actual);
}

/** Every test the condition names must hold; an entity nobody knows holds none. */
export function matches(condition: Omit<Condition, "entity">, value: EntityValue | undefined): boolean {
  const actual = normalise(value);
  if (actual === undefined) return false;
  if (condition.is !== undefined && !oneOf(condition.is, value)) return false;
  if (condition.not !== undefined && oneOf(condition.not, value)) return false;
  if (condition.above !== undefined || condition.below !== undefined) {
    const n = Number(actual);
    if (!Number.isFinite(n) || actual.trim() === "") return false;
    if (condition.above !== undefined && !(n > condition.above)) return false;
    if (condition.below !== undefined && !(n < condition.below)) return false;
  }
  return true;
}

export function describe(condition: Condition): string {
  const parts: string[] = [];
  const list = (v: Expected) => (Array.isArray(v) ? v.join(" or ") : String(v));
  if (condition.is !== undefined) parts.push(`is ${list(condition.is)}`);
  if (condition.not !== undefined) parts.push(`is not ${list(condition.not)}`);
  if (condition.above !== undefined) parts.push(`above ${condition.above}`);
  if (condition.below !== undefined) parts.push(`below ${condition.below}`);
  return `${condition.entity} ${parts.join(" and ")}`;
}
