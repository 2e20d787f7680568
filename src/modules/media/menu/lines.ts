import { packageInfo } from "../../../core/package-info.ts";
import { clean, type MenuItem } from "../../../desktop/menu.ts";
import type { CachedItem } from "../jellyfin/cache.ts";
import { itemLabel, itemMeta } from "../labels.ts";

/**
 * Jellyfin items as menu lines in one string: the form in which the whole-library menu
 * is kept between runs (`LibraryCache.playableLines`), and so the one way every item
 * menu is made. A line holds the item's id, its poster's id and tag, its label and its
 * meta words, apart by \x1f, which `clean` takes out of text as it takes out line breaks.
 */
const FIELD = "\x1f";

/** Names the stored lines' format: a new release may label items differently. */
export const LINES_KEY = `playable@${packageInfo().version}`;

/** The picture that stands for an item: its own poster, else its series'. */
export function posterOf(item: CachedItem): { id: string; tag: string } | undefined {
  if (item.imageTag) return { id: item.id, tag: item.imageTag };
  if (item.seriesId && item.seriesImageTag) return { id: item.seriesId, tag: item.seriesImageTag };
  return undefined;
}

export function itemLines(items: readonly CachedItem[]): string {
  return items
    .map((item) => {
      const poster = posterOf(item);
      return [
        item.id,
        poster?.id ?? "",
        poster?.tag ?? "",
        clean(itemLabel(item)),
        clean(itemMeta(item)),
      ].join(FIELD);
    })
    .join("\n");
}

/** The lines as menu items whose value is the item's id; `icon` finds a poster on disk. */
export function lineItems(
  lines: string,
  icon: (id: string, tag: string) => string | undefined,
): Array<MenuItem<string>> {
  const items: Array<MenuItem<string>> = [];
  // Fields are cut out by index, not split: this runs for 20,000 lines while the user waits.
  for (let start = 0; start < lines.length; ) {
    const newline = lines.indexOf("\n", start);
    const end = newline < 0 ? lines.length : newline;
    const a = lines.indexOf(FIELD, start);
    const b = lines.indexOf(FIELD, a + 1);
    const c = lines.indexOf(FIELD, b + 1);
    const d = lines.indexOf(FIELD, c + 1);
    items.push({
      label: lines.slice(c + 1, d),
      meta: lines.slice(d + 1, end),
      value: lines.slice(start, a),
      icon: b > a + 1 ? icon(lines.slice(a + 1, b), lines.slice(b + 1, c)) : undefined,
    });
    start = end + 1;
  }
  return items;
}
