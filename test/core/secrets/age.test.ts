import { readFileSync } from "node:fs";
import { join } from "node:path";
import { armor, generateIdentity } from "age-encryption";
import { describe, expect, it } from "vitest";
import { ExitCode, UserError } from "../../../src/core/errors.ts";
import { decryptWithAge, encryptWithAge, identityToRecipient } from "../../../src/core/secrets/age.ts";
import { repoRoot } from "../../helpers/sandbox.ts";

const keyText = readFileSync(join(repoRoot, "test/fixtures/sops/key.txt"), "utf8");
const identity = keyText.split("\n").find((line) => line.startsWith("AGE-SECRET-KEY-1"))!;

async function failure(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe("age support", () => {
  it("derives the public key age-keygen printed for the fixture key", async () => {
    expect(await identityToRecipient(identity)).toBe(
      "age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr",
    );
  });

  it("round-trips binary data for several recipients, binary or armored", async () => {
    const other = await generateIdentity();
    const data = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    const sealed = await encryptWithAge(data, [
      await identityToRecipient(identity),
      await identityToRecipient(other),
    ]);
    expect(Buffer.from(sealed).includes(Buffer.from(data.subarray(0, 64)))).toBe(false);
    expect(await decryptWithAge(sealed, [identity])).toEqual(data);
    expect(await decryptWithAge(armor.encode(sealed), [other])).toEqual(data);
    expect(await decryptWithAge(new TextEncoder().encode(armor.encode(sealed)), [other])).toEqual(data);
  });

  it("tells a wrong key from a damaged file", async () => {
    const sealed = await encryptWithAge(new TextEncoder().encode("bookmarks"), [
      await identityToRecipient(identity),
    ]);
    const wrong = await failure(decryptWithAge(sealed, [await generateIdentity()], "work.db.age"));
    expect(wrong.code).toBe(ExitCode.noPerm);
    expect(wrong.message).toBe("none of your age keys can decrypt work.db.age");

    const damaged = Uint8Array.from(sealed);
    damaged[damaged.length - 3]! ^= 0xff;
    const broken = await failure(decryptWithAge(damaged, [identity], "work.db.age"));
    expect(broken.code).toBe(ExitCode.dataErr);
    expect(broken.message).toContain("damaged");
  });

  it("refuses to encrypt to nobody or to a malformed recipient", async () => {
    expect((await failure(encryptWithAge(new Uint8Array(1), []))).code).toBe(ExitCode.config);
    expect((await failure(encryptWithAge(new Uint8Array(1), ["age1nope"]))).message).toContain("age1nope");
  });
});
