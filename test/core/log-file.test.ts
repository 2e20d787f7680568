import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RotatingLogFile } from "../../src/core/log-file.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (file: RotatingLogFile, line: string) =>
  new Promise<void>((resolve, reject) => file.write(line, (error) => (error ? reject(error) : resolve())));

describe("the rotating log file", () => {
  it("rotates by size, keeps the newest files, loses no line, and is private", async () => {
    dir = mkdtempSync(join(tmpdir(), "deskhub-log-"));
    const file = new RotatingLogFile({ dir, maxBytes: 100, keep: 2 });
    for (let i = 0; i < 20; i++) await write(file, `{"n":${i},"msg":"hello-world"}\n`);
    await new Promise<void>((resolve) => file.end(resolve));
    expect(readdirSync(dir).sort()).toEqual(["deskhub.1.log", "deskhub.2.log", "deskhub.log"]);
    const lines = ["deskhub.2.log", "deskhub.1.log", "deskhub.log"].flatMap((f) =>
      readFileSync(join(dir, f), "utf8").trim().split("\n"),
    );
    // The newest lines survive in order; each file stays under the limit.
    expect(lines.at(-1)).toContain('"n":19');
    const numbers = lines.map((l) => JSON.parse(l).n as number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(100);
    expect(statSync(join(dir, "deskhub.log")).mode & 0o777).toBe(0o600);
  });

  it("appends to the file a previous run left", async () => {
    dir = mkdtempSync(join(tmpdir(), "deskhub-log-"));
    const first = new RotatingLogFile({ dir });
    await write(first, "one\n");
    await new Promise<void>((resolve) => first.end(resolve));
    const second = new RotatingLogFile({ dir });
    await write(second, "two\n");
    await new Promise<void>((resolve) => second.end(resolve));
    expect(readFileSync(join(dir, "deskhub.log"), "utf8")).toBe("one\ntwo\n");
  });
});
