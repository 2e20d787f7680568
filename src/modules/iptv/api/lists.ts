import type { Catalogue } from "../catalogue/catalogue.ts";
import { withBaseJson, withBaseJsonBytes } from "../catalogue/patch.ts";
import type { Kind, StreamRow } from "../catalogue/rows.ts";
import type { View } from "../settings/view.ts";

const CHUNK = 64 * 1024;

/** A category list as the viewer sees it: filtered, renamed, in the profile's order; just one with `categoryId`. */
export function categoriesJson(
  catalogue: Catalogue,
  view: View,
  kind: Kind,
  base: string,
  categoryId?: string,
): string {
  if (!view.enabled(kind)) return "[]";
  const gen = catalogue.generation(kind);
  if (gen === undefined) return "[]";
  const all = catalogue.categories(kind);
  const visible = view.visibleCategories(kind, gen, all);
  const rows = view.order(
    kind,
    all.filter((c) => visible.get(c.id) && (categoryId === undefined || c.id === categoryId)),
  );
  const items = rows.map((row) => {
    const name = view.categoryName(kind, row.id, row.name);
    if (name === row.name) return row.json;
    // Only the name changes; every other field stays as the provider sent it.
    const item = JSON.parse(row.json) as Record<string, unknown>;
    item.category_name = name;
    return JSON.stringify(item);
  });
  return withBaseJson(`[${items.join(",")}]`, base);
}

/** The streams of one kind the viewer may see, optionally of one category. */
export function* visibleStreams(
  catalogue: Catalogue,
  view: View,
  kind: Kind,
  categoryId?: string,
): Generator<StreamRow> {
  if (!view.enabled(kind)) return;
  const gen = catalogue.generation(kind);
  if (gen === undefined) return;
  const visible = view.visibleCategories(kind, gen, catalogue.categories(kind));
  for (const row of catalogue.streams(kind)) {
    if (categoryId !== undefined && !row.categories.includes(categoryId)) continue;
    if (view.streamVisible(kind, row, visible)) yield row;
  }
}

const OPEN = Buffer.from("[");
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("]");

/**
 * A stream list as JSON in pieces of about 64 kB, each row exactly as cached (the
 * provider's JSON, patched) and kept as bytes, so a 30,000-channel list is never built
 * whole nor turned into strings.
 */
export function* streamsJson(
  catalogue: Catalogue,
  view: View,
  kind: Kind,
  base: string,
  categoryId?: string,
): Generator<Buffer> {
  let parts: Uint8Array[] = [OPEN];
  let size = 1;
  let first = true;
  if (view.enabled(kind)) {
    const gen = catalogue.generation(kind);
    const visible =
      gen === undefined ? undefined : view.visibleCategories(kind, gen, catalogue.categories(kind));
    for (const row of visible ? catalogue.list(kind) : []) {
      if (categoryId !== undefined && !row.categories.includes(categoryId)) continue;
      if (!view.streamVisible(kind, row, visible!)) continue;
      if (!first) parts.push(COMMA);
      first = false;
      parts.push(row.json);
      size += row.json.length + 1;
      if (size >= CHUNK) {
        yield withBaseJsonBytes(Buffer.concat(parts), base);
        parts = [];
        size = 0;
      }
    }
  }
  parts.push(CLOSE);
  yield withBaseJsonBytes(Buffer.concat(parts), base);
}

/** Whether a stream exists and this viewer may see it. */
export function visibleStream(
  catalogue: Catalogue,
  view: View,
  kind: Kind,
  id: string,
): StreamRow | undefined {
  if (!view.enabled(kind)) return undefined;
  const gen = catalogue.generation(kind);
  if (gen === undefined) return undefined;
  const row = catalogue.stream(kind, id);
  if (!row) return undefined;
  const visible = view.visibleCategories(kind, gen, catalogue.categories(kind));
  return view.streamVisible(kind, row, visible) ? row : undefined;
}
