import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/log.ts";
import { clearSecrets, registerSecret, scrub, scrubDeep } from "../../src/core/redact.ts";

afterEach(() => clearSecrets());

describe("redaction by value", () => {
  it("replaces every registered secret, raw and URL-encoded, longest first", () => {
    registerSecret("p@ss word/1");
    registerSecret("token-abc");
    registerSecret("token-abcdef");
    expect(scrub("url=http://u:p%40ss%20word%2F1@host/ and p@ss word/1, token-abcdef")).toBe(
      "url=http://u:[redacted]@host/ and [redacted], [redacted]",
    );
    expect(scrubDeep({ a: ["token-abc"] })).toEqual({ a: ["[redacted]"] });
  });

  it("ignores values too short to be secrets", () => {
    registerSecret("abc");
    expect(scrub("abc")).toBe("abc");
  });

  it("keeps secrets out of every log line, even inside error objects", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = await createLogger({ level: "info", destination });
    registerSecret("hunter2-very-secret");
    log.info({ url: "http://x/?key=hunter2-very-secret" }, "calling with hunter2-very-secret");
    log.error({ err: new Error("denied for hunter2-very-secret") }, "failed");
    await new Promise((r) => setImmediate(r));
    const text = lines.join("");
    expect(text).toContain("calling with [redacted]");
    expect(text).not.toContain("hunter2");
  });
});
