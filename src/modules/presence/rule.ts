import type { Override, Signal } from "./config.ts";

/** Each signal's current value; undefined when this desktop cannot tell (it counts as false). */
export type Signals = Partial<Record<Signal, boolean | undefined>>;

export interface Rule {
  all: readonly Signal[];
  any: readonly Signal[];
}

export interface Verdict {
  inOffice: boolean;
  /** What the rule alone says, before the override. */
  auto: boolean;
  override: Override;
  /** Human-readable reason, shown as an attribute and in `presence status`. */
  reason: string;
}

/**
 * in office = every `all` signal holds, and at least one `any` signal holds (when
 * `any` lists some). A manual override of on or off wins over the rule.
 */
export function evaluate(rule: Rule, signals: Signals, override: Override): Verdict {
  const missing = rule.all.filter((s) => signals[s] !== true);
  const anyHeld = rule.any.filter((s) => signals[s] === true);
  const auto = missing.length === 0 && (rule.any.length === 0 || anyHeld.length > 0);
  let reason: string;
  if (missing.length > 0) reason = `${missing.join(", ")} ${missing.length === 1 ? "does" : "do"} not hold`;
  else if (rule.any.length > 0 && anyHeld.length === 0) reason = `none of ${rule.any.join(", ")} holds`;
  else
    reason = `${[...rule.all, ...anyHeld].join(", ")} ${rule.all.length + anyHeld.length === 1 ? "holds" : "hold"}`;
  if (override === "auto") return { inOffice: auto, auto, override, reason };
  return {
    inOffice: override === "on",
    auto,
    override,
    reason: `override ${override} (the rule says ${auto ? "on" : "off"}: ${reason})`,
  };
}
