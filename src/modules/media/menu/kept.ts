import { type MenuBackendName, type PreparedMenu, prepareRows } from "../../../desktop/menu.ts";
import type { LibraryCache } from "../jellyfin/cache.ts";
import { POSTER_EXTENSION } from "../jellyfin/image.ts";
import { Thumbnails } from "../thumbs.ts";
import { packEarlyMenu } from "./early.ts";
import { itemLines, LINES_KEY } from "./lines.ts";

/** How a kept library menu is made: its program, its prompt, where its posters are (null: no icons). */
export interface MenuRecipe {
  program: { name: MenuBackendName; path: string };
  prompt: string;
  thumbs: string | null;
}

/** The library menu a recipe makes from these rows; undefined for a program that takes items. */
export function prepareLibraryMenu(recipe: MenuRecipe, rows: Buffer): PreparedMenu | undefined {
  const thumbs = recipe.thumbs === null ? undefined : new Thumbnails(recipe.thumbs);
  return prepareRows(recipe.program, rows, {
    prompt: recipe.prompt,
    icon: (key) => thumbs?.named(key, POSTER_EXTENSION),
  });
}

/** Keeps a library menu for early.ts under `key`, and how to make it again after a change. */
export function keepLibraryMenu(
  cache: LibraryCache,
  key: string,
  recipe: MenuRecipe,
  menu: PreparedMenu,
  rows: Buffer,
): void {
  cache.keepRecipe(key, JSON.stringify(recipe));
  cache.keepBesideLines(key, packEarlyMenu(menu, rows), LINES_KEY, rows);
}

/**
 * Makes again the kept library menus that a change to the library dropped, so that the
 * next key press after watching something, marking it or a refresh still opens the menu
 * at once. Cheap when nothing was dropped; otherwise it reads and packs the rows once.
 */
export function remakeKeptMenus(cache: LibraryCache): number {
  const missing = cache.recipesWithoutCopies();
  if (missing.length === 0) return 0;
  const rows = cache.playableLines(LINES_KEY, itemLines);
  if (rows.length === 0) return 0;
  let made = 0;
  for (const { name, recipe } of missing) {
    const menu = prepareLibraryMenu(JSON.parse(recipe) as MenuRecipe, rows);
    if (!menu) continue;
    cache.keepBesideLines(name, packEarlyMenu(menu, rows), LINES_KEY, rows);
    made++;
  }
  return made;
}
