/*
 * buku keeps tags as one string wrapped in commas, `,docs,python,`: lowercased, unique,
 * sorted (buku.py parse_tags). A bookmark without tags has `,`.
 */

export const DELIM = ",";

/** buku's parse_tags: comma-separated words to the stored form. */
export function formatTags(input: string | readonly string[]): string {
  const text = typeof input === "string" ? input : input.join(" ");
  const tags = text
    .split(DELIM)
    .map((tag) => tag.trim().toLowerCase())
    .filter(Boolean);
  if (tags.length === 0) return DELIM;
  return `${DELIM}${[...new Set(tags)].sort().join(DELIM)}${DELIM}`;
}

/** The stored form back to a list. */
export function splitTags(stored: string | null | undefined): string[] {
  return (stored ?? "").split(DELIM).filter(Boolean);
}

export interface TagQuery {
  tags: string[];
  mode: "any" | "all";
  excluded: string[];
}

/**
 * buku's tag search syntax (`buku --stag`): `a, b` matches any, `a + b` all, and
 * ` - x, y` excludes. Mixing `,` and `+` is refused, as buku does.
 */
export function parseTagQuery(query: string): TagQuery | undefined {
  let text = query;
  let excludedText = "";
  const exclusion = text.startsWith("- ") ? 0 : text.indexOf(" - ");
  if (exclusion >= 0) {
    excludedText = text.slice(exclusion + (exclusion === 0 ? 2 : 3));
    text = text.slice(0, exclusion);
  }
  if (text.includes(" + ") && text.includes(DELIM)) return undefined;
  const mode = text.includes(" + ") ? "all" : "any";
  const words = (value: string, separator: string) =>
    value
      .split(separator)
      .map((tag) => tag.trim().toLowerCase())
      .filter(Boolean);
  return { tags: words(text, mode === "all" ? " + " : DELIM), mode, excluded: words(excludedText, DELIM) };
}

export function matchesTags(stored: readonly string[], query: TagQuery): boolean {
  if (query.excluded.some((tag) => stored.includes(tag))) return false;
  if (query.tags.length === 0) return true;
  return query.mode === "all"
    ? query.tags.every((tag) => stored.includes(tag))
    : query.tags.some((tag) => stored.includes(tag));
}
