import { packageInfo } from "../../../core/package-info.ts";
import { type MenuRows, packRows } from "../../../desktop/menu.ts";
import type { CachedItem } from "../jellyfin/cache.ts";
import { itemLabel, itemMeta } from "../labels.ts";
import { thumbKey } from "../thumbs.ts";

/**
 * Jellyfin items as packed menu rows (desktop/menu/rows.ts): the form in which the
 * whole-library menu is kept between runs (`LibraryCache.playableLines`), and so the one
 * way every item menu is made. A row's value is the item's id; its icon key is its
 * poster's thumbnail key, so a menu looks each one up as it is, 20,000 times over.
 */
export const LINES_KEY = `rows@${packageInfo().version}`;

/** The picture that stands for an item: its own poster, else its series'. */
export function posterOf(item: CachedItem): { id: string; tag: string } | undefined {
  if (item.imageTag) return { id: item.id, tag: item.imageTag };
  if (item.seriesId && item.seriesImageTag) return { id: item.seriesId, tag: item.seriesImageTag };
  return undefined;
}

/** The thumbnail key of an item's poster: `jf-<id>-<tag>` (`posterOfKey` reads it back). */
export function posterKey(poster: { id: string; tag: string }): string {
  return thumbKey("jf", poster.id, poster.tag);
}

/** The poster a key names. Jellyfin ids and image tags are hex: nothing in them was replaced. */
export function posterOfKey(key: string): { id: string; tag: string } {
  const dash = key.lastIndexOf("-");
  return { id: key.slice(3, dash), tag: key.slice(dash + 1) };
}

export function itemLines(items: readonly CachedItem[]): MenuRows {
  return packRows(
    items.map((item) => {
      const poster = posterOf(item);
      return {
        value: item.id,
        icon: poster && posterKey(poster),
        label: itemLabel(item),
        meta: itemMeta(item),
      };
    }),
  );
}
