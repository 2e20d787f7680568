/**
 * Every secret value deskhub resolves is registered here, and every log line, error
 * message, status file and dashboard response passes through `scrub` on its way out.
 * Redacting by value (not by field name) catches a secret wherever it ends up: in a URL,
 * an upstream error body, a stack trace.
 */
const secrets = new Set<string>();
let pattern: RegExp | undefined;

export const MASK = "[redacted]";

export function registerSecret(value: string | undefined | null): void {
  // Very short values would blank out ordinary words; they are not secrets worth the name.
  if (!value || value.length < 4 || secrets.has(value)) return;
  secrets.add(value);
  // URL-encoded forms leak through query strings and paths.
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
  pattern = undefined;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function scrub(text: string): string {
  if (secrets.size === 0) return text;
  pattern ??= new RegExp(
    [...secrets]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join("|"),
    "g",
  );
  return text.replace(pattern, MASK);
}

/** Scrubs every string inside a JSON-able value. */
export function scrubDeep<T>(value: T): T {
  if (secrets.size === 0) return value;
  return JSON.parse(scrub(JSON.stringify(value))) as T;
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
  pattern = undefined;
}
