import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ryuFormat, serializeFre } from "../../../src/modules/files/recent/fre-json.ts";
import {
  compareCodePoints,
  FRE_HALF_LIFE,
  FrecencyStore,
} from "../../../src/modules/files/recent/fre-store.ts";
import { readStore, writeStore } from "../../../src/modules/files/recent/lists.ts";
import { makeSandbox, repoRoot, type Sandbox } from "../../helpers/sandbox.ts";

const fixture = join(repoRoot, "test/fixtures/files/fre.json");
let sandbox: Sandbox | undefined;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
});

const T0 = 1_716_212_345.678;

describe("fre's store file", () => {
  it("round-trips a store byte for byte, as fre wrote it", async () => {
    sandbox = makeSandbox();
    const path = join(sandbox.root, "fre.json");
    copyFileSync(fixture, path);
    const store = await readStore(path, T0, FRE_HALF_LIFE);
    expect(store.items.map((item) => item.item)).toEqual([
      "/home/ana/.config/sway/config",
      '/home/ana/Documents/taxes "2023".pdf',
      "/home/ana/Música/canción.mp3",
      "/home/ana/Pictures/！wow.png",
      "/home/ana/Pictures/🎉 party.jpg",
      "/home/ana/src/deskhub",
    ]);
    expect(store.referenceTime).toBe(1716212345.678);
    expect(store.get("/home/ana/Música/canción.mp3")).toMatchObject({ frecency: 12.4405, num_accesses: 14 });
    await writeStore(path, store);
    expect(readFileSync(path, "utf8")).toBe(readFileSync(fixture, "utf8"));
  });

  it("keeps fields fre does not know, after the ones it does", () => {
    const store = new FrecencyStore({
      reference_time: T0,
      half_life: 60,
      items: [{ item: "/a", frecency: 1, last_accessed: 0, num_accesses: 1, pinned: true }],
      comment: "written by a newer fre",
    } as never);
    const text = serializeFre(store.toFile());
    expect(text).toContain('"num_accesses": 1,\n      "pinned": true\n    }');
    expect(text.endsWith('"comment": "written by a newer fre"\n}')).toBe(true);
    expect(JSON.parse(text).items[0].pinned).toBe(true);
  });

  it("prints floats the way serde_json (ryu) does", () => {
    expect(ryuFormat(1, 32)).toBe("1.0");
    expect(ryuFormat(Math.fround(0.1), 32)).toBe("0.1");
    expect(ryuFormat(Math.fround(2 / 3), 32)).toBe("0.6666667");
    expect(ryuFormat(259200, 32)).toBe("259200.0");
    expect(ryuFormat(Math.fround(1e12), 32)).toBe("1000000000000.0");
    expect(ryuFormat(Math.fround(1e13), 32)).toBe("1e13");
    expect(ryuFormat(Math.fround(1.5e-7), 32)).toBe("1.5e-7");
    expect(ryuFormat(Math.fround(-3600.25), 32)).toBe("-3600.25");
    expect(ryuFormat(0, 32)).toBe("0.0");
    expect(ryuFormat(1716212345.678, 64)).toBe("1716212345.678");
    expect(ryuFormat(1716212345, 64)).toBe("1716212345.0");
    expect(ryuFormat(1e16, 64)).toBe("1e16");
    expect(ryuFormat(1e15, 64)).toBe("1000000000000000.0");
    expect(ryuFormat(0.00001, 64)).toBe("0.00001");
    expect(ryuFormat(0.000001, 64)).toBe("1e-6");
    expect(ryuFormat(1.25e-7, 64)).toBe("1.25e-7");
  });
});

describe("fre's frecency formula", () => {
  const H = 100;

  it("halves a score every half-life", () => {
    const store = new FrecencyStore({
      reference_time: T0,
      half_life: H,
      items: [{ item: "/a", frecency: 8, last_accessed: 0, num_accesses: 8 }],
    });
    const item = store.get("/a")!;
    expect(store.score(item, T0)).toBe(8);
    expect(store.score(item, T0 + H)).toBe(4);
    expect(store.score(item, T0 + 2 * H)).toBe(2);
    expect(store.score(item, T0 + H / 2)).toBe(Math.fround(8 / Math.SQRT2));
    // fre's unit test get_frecency_one_half_life: half-life 1 s, frecency 1, 1 s ago.
    const one = new FrecencyStore({
      reference_time: T0 - 1,
      half_life: 1,
      items: [{ item: "x", frecency: 1, last_accessed: 0, num_accesses: 0 }],
    });
    expect(one.score(one.get("x")!, T0)).toBe(0.5);
  });

  it("adds a visit as fre --add does: weight 1 now, stored relative to the reference time", () => {
    const store = FrecencyStore.empty(T0, H);
    store.add("/a", T0);
    expect(store.get("/a")).toEqual({ item: "/a", frecency: 1, last_accessed: 0, num_accesses: 1 });
    store.add("/a", T0 + H);
    // Score now: 1 halved once, plus this visit = 1.5; stored undecayed to T0: 3.
    expect(store.get("/a")).toEqual({ item: "/a", frecency: 3, last_accessed: H, num_accesses: 2 });
    expect(store.score(store.get("/a")!, T0 + H)).toBe(1.5);
    store.adjust("/a", -2.5, T0 + H);
    expect(store.score(store.get("/a")!, T0 + H)).toBe(-1);
    expect(store.get("/a")!.num_accesses).toBe(0);
  });

  it("rebases after five half-lives without changing any score, as fre does on every run", () => {
    const store = FrecencyStore.empty(T0, H);
    store.add("/a", T0);
    store.add("/b", T0 + 10);
    const before = store.items.map((item) => store.score(item, T0 + 4 * H));
    store.rebaseIfOld(T0 + 4 * H);
    expect(store.referenceTime).toBe(T0);
    store.rebaseIfOld(T0 + 6 * H);
    expect(store.referenceTime).toBe(T0 + 6 * H);
    expect(store.get("/b")!.last_accessed).toBe(Math.fround(10 - 6 * H));
    const after = store.items.map((item) => store.score(item, T0 + 6 * H));
    expect(after[0]).toBeCloseTo(before[0]! / 4, 6);
    expect(after[1]).toBeCloseTo(before[1]! / 4, 6);
  });

  it("changes the half-life keeping every current score (fre --halflife)", () => {
    const store = FrecencyStore.empty(T0, H);
    store.add("/a", T0);
    store.add("/a", T0 + H);
    store.setHalfLife(10, T0 + H);
    expect(store.halfLife).toBe(10);
    expect(store.score(store.get("/a")!, T0 + H)).toBeCloseTo(1.5, 6);
    expect(store.score(store.get("/a")!, T0 + H + 10)).toBeCloseTo(0.75, 6);
  });

  it("ranks by frecency, recency or count; truncates to the best; keeps name order for fre", () => {
    const store = FrecencyStore.empty(T0, H);
    store.add("/often", T0);
    store.add("/often", T0 + 1);
    store.add("/often", T0 + 2);
    store.add("/lately", T0 + 300);
    store.add("/once", T0 + 3);
    const t = T0 + 300;
    // Three visits about three half-lives ago weigh about 3/8 now; one visit now weighs 1.
    expect(store.sorted("frecent").map((i) => i.item)).toEqual(["/lately", "/often", "/once"]);
    expect(store.score(store.get("/often")!, t)).toBeCloseTo(2 ** -3 + 2 ** -2.99 + 2 ** -2.98, 5);
    expect(store.sorted("recent").map((i) => i.item)).toEqual(["/lately", "/once", "/often"]);
    expect(store.sorted("frequent").map((i) => i.item)).toEqual(["/often", "/lately", "/once"]);
    expect(store.score(store.get("/lately")!, t)).toBe(1);
    expect(store.truncate(2, "frecent").map((i) => i.item)).toEqual(["/once"]);
    expect(store.items.map((i) => i.item)).toEqual(["/lately", "/often"]);
  });

  it("keeps items in Rust's byte order, not JavaScript's UTF-16 order", () => {
    const store = FrecencyStore.empty(T0, H);
    for (const name of ["/x/🎉", "/x/！", "/x/z", "/x/é"]) store.add(name, T0);
    expect(store.items.map((i) => i.item)).toEqual(["/x/z", "/x/é", "/x/！", "/x/🎉"]);
    const bytes = [...store.items.map((i) => i.item)].sort((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)),
    );
    expect(store.items.map((i) => i.item)).toEqual(bytes);
    expect(compareCodePoints("\uFF01", "\u{1F389}")).toBeLessThan(0);
  });

  it("weighs an imported past visit as if it had been added then", () => {
    const store = FrecencyStore.empty(T0, H);
    store.visit("/old", T0 + 100, T0 + 300);
    expect(store.score(store.get("/old")!, T0 + 300)).toBe(0.25);
    expect(store.lastAccess(store.get("/old")!)).toBeCloseTo(T0 + 100, 2);
    store.visit("/old", T0 + 50, T0 + 300);
    expect(store.lastAccess(store.get("/old")!)).toBeCloseTo(T0 + 100, 2);
  });
});
