import { execFileSync } from "node:child_process";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { deferredLogger } from "../../src/core/log.ts";
import { registerSecret } from "../../src/core/redact.ts";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { destination, lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("the deferred logger of short-lived commands", () => {
  it("writes what passes its level, children's bindings included, with secrets scrubbed", async () => {
    registerSecret("hunter2-deferred-secret");
    const out = capture();
    const log = deferredLogger({ level: "warn", destination: out.destination });
    const child = log.child({ module: "media" });
    log.info("not shown");
    child.debug("not shown either");
    child.warn({ token: "hunter2-deferred-secret" }, "the cache is old");
    log.error("broken");
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.lines().map(({ level, msg, module }) => ({ level, msg, module }))).toEqual([
      { level: 40, msg: "the cache is old", module: "media" },
      { level: 50, msg: "broken", module: undefined },
    ]);
    expect(JSON.stringify(out.lines())).not.toContain("hunter2-deferred-secret");
    log.level = "info";
    log.info("shown now");
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.lines().at(-1)?.msg).toBe("shown now");
  });

  it("does not load pino for calls below its level or for children made for later", () => {
    const log = fileURLToPath(new URL("../../src/core/log.ts", import.meta.url));
    const script = `
      const { deferredLogger } = await import(${JSON.stringify(log)});
      const { createRequire } = await import("node:module");
      const pino = createRequire(${JSON.stringify(log)}).resolve("pino");
      const logger = await Promise.resolve(deferredLogger({ level: "warn" }));
      logger.child({ module: "media" }).info("quiet");
      logger.debug("quiet");
      const before = pino in (await import("node:module")).default._cache;
      logger.warn("loud");
      const after = pino in (await import("node:module")).default._cache;
      console.log(JSON.stringify({ before, after }));
    `;
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    expect(JSON.parse(output)).toEqual({ before: false, after: true });
  });
});
