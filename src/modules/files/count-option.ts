import { InvalidArgumentError } from "commander";

/** A count option (`--limit 10`, `--keep 0`): a whole number, or commander says what is wrong. */
export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError("a whole number, 0 or more");
  }
  return n;
}
