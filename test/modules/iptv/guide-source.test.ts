import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/core/log.ts";
import { XmltvSource } from "../../../src/modules/iptv/epg/source.ts";

const dir = mkdtempSync(join(tmpdir(), "deskhub-guide-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A kept guide in `file`; nothing here downloads, so the line is never asked for. */
function keptGuide(name: string, bytes: Buffer): XmltvSource {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return new XmltvSource({
    file,
    line: () => {
      throw new Error("no download expected");
    },
    timeoutMs: () => 1000,
    ttlMs: () => 3_600_000,
    log: silentLogger(),
  });
}

/** Takes each chunk a moment after it came, copying it, as a busy filter would. */
function slowSink(options: { stopAfter?: number } = {}) {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      if (options.stopAfter !== undefined && chunks.length >= options.stopAfter) {
        sink.destroy();
        return;
      }
      setImmediate(done);
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks), chunks };
}

const openFiles = () => readdirSync("/proc/self/fd").length;

describe("the kept guide", () => {
  // Random bytes: a chunk read into the reused buffer too early would show as wrong bytes.
  const guide = randomBytes(64 * 1024 * 5 + 1234);

  it("feeds a plain guide whole and in order, however slowly it is taken", async () => {
    const source = keptGuide("plain.xml", guide);
    const { sink, bytes, chunks } = slowSink();
    const finished = new Promise((resolve) => sink.on("finish", resolve));
    await source.feed(sink);
    await finished;
    expect(bytes().equals(guide)).toBe(true);
    expect(chunks.length).toBe(6);
  });

  it("feeds a gzipped guide decompressed", async () => {
    const source = keptGuide("zipped.xml", gzipSync(guide));
    const { sink, bytes } = slowSink();
    await source.feed(sink);
    expect(bytes().equals(guide)).toBe(true);
  });

  it("stops reading and closes the file when the taker goes away", async () => {
    const before = openFiles();
    for (const [name, bytes] of [
      ["gone-plain.xml", guide],
      ["gone-zipped.xml", gzipSync(guide)],
    ] as const) {
      const { sink, chunks } = slowSink({ stopAfter: 2 });
      await keptGuide(name, bytes).feed(sink);
      expect(chunks.length).toBe(2);
      expect(sink.destroyed).toBe(true);
    }
    expect(openFiles()).toBe(before);
  });
});
