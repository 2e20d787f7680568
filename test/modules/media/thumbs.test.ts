import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Thumbnails, thumbKey } from "../../../src/modules/media/thumbs.ts";

const dir = mkdtempSync(join(tmpdir(), "deskhub-thumbs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the thumbnail cache", () => {
  it("finds posters by key, read in the background, and never offers a path that would split a menu line", async () => {
    const thumbs = join(dir, "thumbs");
    mkdirSync(thumbs);
    const key = thumbKey("jf", "a1b2", "c3d4");
    writeFileSync(join(thumbs, `${key}.jpg`), "jpeg");
    writeFileSync(join(thumbs, "jf-evil\nline.png"), "png");
    writeFileSync(join(thumbs, ".jf-x-y.tmp"), "half-written");
    const cache = new Thumbnails(thumbs);
    await cache.list();
    expect(cache.path(key)).toBe(join(thumbs, `${key}.jpg`));
    expect(cache.path("jf-evil\nline")).toBeUndefined();
    expect(cache.path(".jf-x-y")).toBeUndefined();
    expect(new Thumbnails(join(dir, "none")).path(key)).toBeUndefined();
    // A poster asked for as PNG is there only as PNG; its file is named before it comes.
    expect(cache.has(key)).toBe(true);
    expect(cache.has(key, "png")).toBe(false);
    expect(cache.named(key, "png")).toBe(join(thumbs, `${key}.png`));
    expect(
      cache.missing([
        { key, url: "http://x/", extension: "png" },
        { key, url: "http://x/" },
      ]),
    ).toEqual([{ key, url: "http://x/", extension: "png" }]);
  });
});
