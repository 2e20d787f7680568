import { z } from "zod";

/*
 * fre's store file, byte for byte: serde_json's pretty printer (two-space indent) over
 * `{ reference_time: f64, half_life: f32, items: [{ item, frecency: f32,
 * last_accessed: f32, num_accesses: i32 }] }`, floats printed by ryu.
 */

const Item = z.looseObject({
  item: z.string(),
  frecency: z.number(),
  last_accessed: z.number(),
  num_accesses: z.number().int(),
});

export const FreFile = z.looseObject({
  reference_time: z.number(),
  half_life: z.number().positive(),
  items: z.array(Item),
});
export type FreFile = z.output<typeof FreFile>;
export type FreFileItem = z.output<typeof Item>;

/** The shortest decimal digits that read back as `value` at this precision, and the exponent. */
function shortestDigits(value: number, bits: 32 | 64): { digits: string; exponent: number } {
  const magnitude = Math.abs(value);
  let text: string;
  if (bits === 64) {
    text = magnitude.toExponential();
  } else {
    // Nine digits always read back as the same f32, and if p digits do, p + 1 do too:
    // search for the fewest.
    text = magnitude.toExponential(8);
    let lo = 1;
    let hi = 9;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const candidate = magnitude.toExponential(mid - 1);
      if (Math.fround(+candidate) === magnitude) {
        hi = mid;
        text = candidate;
      } else {
        lo = mid + 1;
      }
    }
  }
  const e = text.indexOf("e");
  let digits = text.charCodeAt(1) === 46 ? text[0]! + text.slice(2, e) : text.slice(0, e);
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  digits = digits.slice(0, end);
  // ryu's exponent is that of the last digit: 1234e-2 is 12.34.
  return { digits, exponent: +text.slice(e + 1) - (digits.length - 1) };
}

/** ryu's `format32`/`format64`, which serde_json uses for f32 and f64 fields. */
export function ryuFormat(value: number, bits: 32 | 64): string {
  if (!Number.isFinite(value)) return "null";
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  if (value === 0) return `${sign}0.0`;
  const { digits, exponent: k } = shortestDigits(value, bits);
  const length = digits.length;
  const kk = length + k;
  const limit = bits === 32 ? 13 : 16;
  const low = bits === 32 ? -6 : -5;
  if (k >= 0 && kk <= limit) return `${sign}${digits}${"0".repeat(k)}.0`;
  if (kk > 0 && kk <= limit) return `${sign}${digits.slice(0, kk)}.${digits.slice(kk)}`;
  if (kk > low && kk <= 0) return `${sign}0.${"0".repeat(-kk)}${digits}`;
  const mantissa = length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${sign}${mantissa}e${kk - 1}`;
}

const KNOWN_ITEM_KEYS = new Set(["item", "frecency", "last_accessed", "num_accesses"]);
const KNOWN_STORE_KEYS = new Set(["reference_time", "half_life", "items"]);

/** serde_json's pretty form of an arbitrary JSON value, for fields fre does not know. */
function pretty(value: unknown, indent: string): string {
  return JSON.stringify(value, null, 2).replaceAll("\n", `\n${indent}`);
}

function extras(object: Record<string, unknown>, known: Set<string>, indent: string): string[] {
  return Object.entries(object)
    .filter(([key]) => !known.has(key))
    .map(([key, value]) => `${indent}${JSON.stringify(key)}: ${pretty(value, indent)}`);
}

function itemJson(item: FreFileItem): string {
  const fields = [
    `      "item": ${JSON.stringify(item.item)}`,
    `      "frecency": ${ryuFormat(item.frecency, 32)}`,
    `      "last_accessed": ${ryuFormat(item.last_accessed, 32)}`,
    `      "num_accesses": ${item.num_accesses}`,
    ...extras(item, KNOWN_ITEM_KEYS, "      "),
  ];
  return `    {\n${fields.join(",\n")}\n    }`;
}

/** The store as fre writes it (no trailing newline, as serde_json::to_writer_pretty). */
export function serializeFre(file: FreFile): string {
  const items = file.items.length === 0 ? "[]" : `[\n${file.items.map(itemJson).join(",\n")}\n  ]`;
  const fields = [
    `  "reference_time": ${ryuFormat(file.reference_time, 64)}`,
    `  "half_life": ${ryuFormat(file.half_life, 32)}`,
    `  "items": ${items}`,
    ...extras(file, KNOWN_STORE_KEYS, "  "),
  ];
  return `{\n${fields.join(",\n")}\n}`;
}
