import type { CategoryRow, Kind, StreamRow } from "../catalogue/rows.ts";
import { ADULT_NAME, type CompiledProfile } from "./profiles.ts";

/**
 * What one person sees through one listener: both the listener's profile and the
 * person's own apply, so the guest screen stays curated whoever logs in to it and a
 * child's profile holds on the full listener too. Renames and order come from the
 * person's profile first, then the listener's.
 */
export class View {
  readonly profiles: readonly CompiledProfile[];
  readonly key: string;
  readonly #visible = new Map<string, Map<string, boolean>>();

  constructor(profiles: readonly CompiledProfile[]) {
    this.profiles = profiles;
    this.key = profiles.map((p) => p.name).join("+");
  }

  enabled(kind: Kind): boolean {
    return this.profiles.every((p) => p.sections[kind].enabled);
  }

  categoryVisible(kind: Kind, id: string, name: string): boolean {
    for (const profile of this.profiles) {
      const section = profile.sections[kind];
      if (!section.enabled) return false;
      if (section.include.length && !section.include.some((m) => m(id, name))) return false;
      if (section.exclude.some((m) => m(id, name))) return false;
      if (profile.hideAdult && ADULT_NAME.test(name)) return false;
    }
    return true;
  }

  /** Visible category ids of one catalogue generation, worked out once per generation. */
  visibleCategories(kind: Kind, gen: number, categories: readonly CategoryRow[]): Map<string, boolean> {
    const key = `${kind}:${gen}`;
    let map = this.#visible.get(key);
    if (!map) {
      map = new Map(categories.map((c) => [c.id, this.categoryVisible(kind, c.id, c.name)]));
      for (const stale of this.#visible.keys()) if (stale.startsWith(`${kind}:`)) this.#visible.delete(stale);
      this.#visible.set(key, map);
    }
    return map;
  }

  streamVisible(
    kind: Kind,
    row: Pick<StreamRow, "categories" | "name" | "adult">,
    categories: Map<string, boolean>,
  ): boolean {
    if (row.categories.length === 0) {
      if (!this.categoryVisible(kind, "", "")) return false;
    } else {
      let any = false;
      for (const id of row.categories) {
        // A stream filed under a category the provider does not list is judged by its id alone.
        if (categories.get(id) ?? this.categoryVisible(kind, id, "")) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    for (const profile of this.profiles) {
      if (profile.hideAdult && row.adult) return false;
      for (const regex of profile.sections[kind].excludeStreams) if (regex.test(row.name)) return false;
    }
    return true;
  }

  categoryName(kind: Kind, id: string, name: string): string {
    for (let i = this.profiles.length - 1; i >= 0; i--) {
      const rename = this.profiles[i]!.sections[kind].rename.find((r) => r.match(id, name));
      if (rename) return rename.name;
    }
    return name;
  }

  /** A category's place in the profile's order (unlisted ones after), or undefined without an order. */
  ranker(kind: Kind): ((id: string, name: string) => number) | undefined {
    const order = [...this.profiles].reverse().find((p) => p.sections[kind].order.length)?.sections[
      kind
    ].order;
    if (!order) return undefined;
    return (id, name) => {
      const index = order.findIndex((m) => m(id, name));
      return index === -1 ? order.length : index;
    };
  }

  /** Categories listed in a profile's order first, in that order; the rest as the provider sent them. */
  order<T extends { id: string; name: string }>(kind: Kind, rows: readonly T[]): T[] {
    const ranker = this.ranker(kind);
    if (!ranker) return [...rows];
    const rank = (row: T) => ranker(row.id, row.name);
    return rows
      .map((row, pos) => ({ row, pos, rank: rank(row) }))
      .sort((a, b) => a.rank - b.rank || a.pos - b.pos)
      .map((entry) => entry.row);
  }
}
