import type { FreFile, FreFileItem } from "./fre-json.ts";

/*
 * fre's frecency model (camdencheek/fre, src/store and src/stats), including its f32
 * arithmetic. Each item keeps a frecency relative to the store's reference time: the
 * score now is `frecency / 2^((now - reference_time) / half_life)`, so a visit's weight
 * halves every half-life and nothing has to be rewritten as time passes.
 */

export type SortMethod = "frecent" | "recent" | "frequent";

/** fre's default half-life: three days. */
export const FRE_HALF_LIFE = 60 * 60 * 24 * 3;

const f32 = Math.fround;

/** Rust's `str` order (UTF-8 bytes, which is code point order), not JavaScript's UTF-16 order. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates stand for code points above U+FFFF: move them past U+E000..U+FFFF.
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}

export class FrecencyStore {
  referenceTime: number;
  halfLife: number;
  /** Sorted by item, as fre keeps them (it finds items by binary search). */
  items: FreFileItem[];
  #extra: Record<string, unknown>;
  #index = new Map<string, FreFileItem>();

  constructor(file: FreFile) {
    const { reference_time, half_life, items, ...extra } = file;
    this.referenceTime = reference_time;
    this.halfLife = half_life;
    this.items = items;
    this.#extra = extra;
    for (const item of items) this.#index.set(item.item, item);
  }

  static empty(now: number, halfLife = FRE_HALF_LIFE): FrecencyStore {
    return new FrecencyStore({ reference_time: now, half_life: f32(halfLife), items: [] });
  }

  toFile(): FreFile {
    return {
      ...this.#extra,
      reference_time: this.referenceTime,
      half_life: this.halfLife,
      items: this.items,
    };
  }

  get(item: string): FreFileItem | undefined {
    return this.#index.get(item);
  }

  #elapsedHalfLives(now: number): number {
    return f32(f32(now - this.referenceTime) / this.halfLife);
  }

  /** The item's score now: its frecency decayed since the reference time. */
  score(item: FreFileItem, now: number): number {
    return f32(item.frecency / f32(2 ** this.#elapsedHalfLives(now)));
  }

  #setScore(item: FreFileItem, score: number, now: number): void {
    item.frecency = f32(score * f32(2 ** this.#elapsedHalfLives(now)));
  }

  /** Seconds since the Unix epoch at which the item was last visited. */
  lastAccess(item: FreFileItem): number {
    return this.referenceTime + item.last_accessed;
  }

  #getOrCreate(name: string): FreFileItem {
    const existing = this.#index.get(name);
    if (existing) return existing;
    const item: FreFileItem = { item: name, frecency: 0, last_accessed: 0, num_accesses: 0 };
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareCodePoints(this.items[mid]!.item, name) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
    this.#index.set(name, item);
    return item;
  }

  /** `fre --add`: a visit now. */
  add(name: string, now: number): void {
    this.visit(name, now, now);
  }

  /**
   * A visit at time `at` (at most `now`): it weighs what it would weigh now had it been
   * added then, so importing past visits ranks them as fre would have.
   */
  visit(name: string, at: number, now: number): void {
    const fresh = !this.#index.has(name);
    const item = this.#getOrCreate(name);
    const weight = at >= now ? 1 : 2 ** ((at - now) / this.halfLife);
    this.#setScore(item, f32(this.score(item, now) + weight), now);
    item.num_accesses += 1;
    const accessed = f32(at - this.referenceTime);
    // A visit now is fre's `--add`; an older one only moves the last access forward.
    item.last_accessed = fresh || at >= now ? accessed : Math.max(item.last_accessed, accessed);
  }

  /** `fre --increase/--decrease`: add a weight to the score and its integer part to the count. */
  adjust(name: string, weight: number, now: number): void {
    const item = this.#getOrCreate(name);
    this.#setScore(item, f32(this.score(item, now) + f32(weight)), now);
    item.num_accesses += Math.trunc(weight);
  }

  delete(name: string): boolean {
    const item = this.#index.get(name);
    if (!item) return false;
    this.#index.delete(name);
    this.items.splice(this.items.indexOf(item), 1);
    return true;
  }

  /** Best first; equal scores keep name order (fre sorts stably). */
  sorted(method: SortMethod): FreFileItem[] {
    const key = (item: FreFileItem) =>
      method === "frecent" ? item.frecency : method === "recent" ? item.last_accessed : item.num_accesses;
    return [...this.items].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return x > y ? -1 : x < y ? 1 : 0;
    });
  }

  /** Keeps the best `keep` items; unlike fre, the store stays sorted by name afterwards. */
  truncate(keep: number, method: SortMethod): FreFileItem[] {
    const sorted = this.sorted(method);
    const dropped = sorted.slice(keep);
    for (const item of dropped) this.delete(item.item);
    return dropped;
  }

  halfLivesPassed(now: number): number {
    return (now - this.referenceTime) / this.halfLife;
  }

  /** Moves the reference time to now, keeping every score and last access. */
  resetTime(now: number): void {
    const delta = f32(this.referenceTime - now);
    const scores = this.items.map((item) => this.score(item, now));
    this.referenceTime = now;
    this.items.forEach((item, i) => {
      item.last_accessed = f32(item.last_accessed + delta);
      this.#setScore(item, scores[i]!, now);
    });
  }

  /** fre rebases a store whose reference time is more than five half-lives old. */
  rebaseIfOld(now: number): void {
    if (this.halfLivesPassed(now) > 5) this.resetTime(now);
  }

  /** `fre --halflife`: a new half-life that keeps every current score. */
  setHalfLife(halfLife: number, now: number): void {
    this.resetTime(now);
    const scores = this.items.map((item) => this.score(item, now));
    this.halfLife = f32(halfLife);
    this.items.forEach((item, i) => {
      this.#setScore(item, scores[i]!, now);
    });
  }

  /** Joins `from` into `into`: the scores add up (same reference time), counts too. */
  merge(into: string, from: string): void {
    const target = this.#getOrCreate(into);
    const source = this.#index.get(from);
    if (!source || source === target) return;
    target.frecency = f32(target.frecency + source.frecency);
    target.num_accesses += source.num_accesses;
    target.last_accessed = Math.max(target.last_accessed, source.last_accessed);
    this.delete(from);
  }
}
