import { z } from "zod";
import { registerSecret } from "../redact.ts";

/**
 * A config value that is a secret (a password written straight into config.yaml):
 * once parsed it is redacted from every log line, error and response.
 */
export function secretString() {
  return z
    .string()
    .min(1)
    .refine((value) => {
      registerSecret(value);
      return true;
    })
    .meta({ description: "secret: redacted from logs and the dashboard" });
}

/** A duration written as `90`, `90s`, `10m`, `2h` or `1d`, in seconds. */
export function duration() {
  return z.union([
    z.number().nonnegative(),
    z
      .string()
      .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)?$/, "a duration such as 30s, 10m, 2h or 1d")
      .transform((text) => {
        const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text)!;
        const factor = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[match[2] ?? "s"] ?? 1;
        return Number(match[1]) * factor;
      }),
  ]);
}

export const port = () => z.number().int().min(1).max(65535);
