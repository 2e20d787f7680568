import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateIdentity } from "age-encryption";
import { afterEach, describe, expect, it } from "vitest";
import { ExitCode, UserError } from "../../../src/core/errors.ts";
import { resolvePaths } from "../../../src/core/paths.ts";
import { goFormatFloat, loadAgeIdentities, readSopsFile } from "../../../src/core/secrets/sops.ts";
import { makeSandbox, repoRoot, type Sandbox } from "../../helpers/sandbox.ts";

const fixtures = join(repoRoot, "test/fixtures/sops");
const plaintext = JSON.parse(readFileSync(join(fixtures, "secret.json"), "utf8")) as Record<string, unknown>;
const keyText = readFileSync(join(fixtures, "key.txt"), "utf8");
const identity = keyText.split("\n").find((line) => line.startsWith("AGE-SECRET-KEY-1"))!;

let sandbox: Sandbox | undefined;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
});

/** A copy of a fixture, changed by `edit`, in a private directory. */
function tampered(name: string, edit: (text: string) => string): string {
  sandbox ??= makeSandbox();
  const path = join(sandbox.root, name);
  writeFileSync(path, edit(readFileSync(join(fixtures, name), "utf8")));
  return path;
}

async function failure(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

/** Nothing the file decrypts to may show up in what the user is told. */
function expectNoPlaintext(error: UserError): void {
  const told = `${error.message}\n${error.hint ?? ""}`;
  for (const secret of ["this is a secret", "gotta match go", "three"]) expect(told).not.toContain(secret);
}

describe("readSopsFile on real sops files", () => {
  it("decrypts YAML with every value type restored", async () => {
    const data = await readSopsFile(join(fixtures, "secret.enc.yaml"), [identity]);
    // The YAML fixture was made from secret.json before "0word" was added to it.
    const { "0word": _, ...expected } = plaintext;
    expect(data).toEqual(expected);
    expect(typeof data.int).toBe("number");
    expect(typeof data.float).toBe("number");
    expect(data.boolean).toBe(true);
  });

  it("decrypts JSON to exactly the plaintext", async () => {
    const data = await readSopsFile(join(fixtures, "secret.enc.json"), [identity]);
    expect(data).toEqual(plaintext);
    expect(Object.keys(data)).toEqual(Object.keys(plaintext));
  });

  it("decrypts dotenv to a flat record of strings", async () => {
    const data = await readSopsFile(join(fixtures, "secret.enc.env"), [identity]);
    expect(data).toEqual({ secret: plaintext.secret, another_secret: "7" });
  });

  it("refuses a value whose ciphertext was changed, naming the key and not the content", async () => {
    const path = tampered("secret.enc.yaml", (text) =>
      text.replace("data:ME9a8+qqBCwX", "data:ME9a8+qqBCwY"),
    );
    const error = await failure(readSopsFile(path, [identity]));
    expect(error.code).toBe(ExitCode.dataErr);
    expect(error.message).toContain(path);
    expect(error.message).toContain('"secret"');
    expectNoPlaintext(error);
  });

  it("refuses a value moved to another key (the key path is authenticated)", async () => {
    const original = readFileSync(join(fixtures, "secret.enc.json"), "utf8");
    const secretValue = /"secret": "(ENC\[[^"]+)"/.exec(original)![1]!;
    const path = tampered("secret.enc.json", (text) =>
      text.replace(/"value": "ENC\[[^"]+"/, `"value": "${secretValue}"`),
    );
    const error = await failure(readSopsFile(path, [identity]));
    expect(error.message).toContain('"complex.value"');
    expectNoPlaintext(error);
  });

  it("refuses a file whose MAC was changed", async () => {
    const path = tampered("secret.enc.yaml", (text) =>
      text.replace("mac: ENC[AES256_GCM,data:VkH/", "mac: ENC[AES256_GCM,data:VkH+"),
    );
    const error = await failure(readSopsFile(path, [identity]));
    expect(error.code).toBe(ExitCode.dataErr);
    expect(error.message).toMatch(/MAC mismatch/);
    expect(error.message).toContain(path);
    expectNoPlaintext(error);
  });

  it("refuses reordered values and added plaintext values: the MAC covers both", async () => {
    const reordered = tampered("secret.enc.env", (text) => {
      const lines = text.split("\n");
      [lines[0], lines[1]] = [lines[1]!, lines[0]!];
      return lines.join("\n");
    });
    expect((await failure(readSopsFile(reordered, [identity]))).message).toMatch(/MAC mismatch/);

    const added = tampered("secret.enc.yaml", (text) => `note_unencrypted: added by hand\n${text}`);
    expect((await failure(readSopsFile(added, [identity]))).message).toMatch(/MAC mismatch/);
  });

  it("refuses a changed lastmodified: it is the MAC's additional data", async () => {
    const path = tampered("secret.enc.yaml", (text) =>
      text.replace("2024-03-25T22:08:10Z", "2024-03-25T22:08:11Z"),
    );
    expect((await failure(readSopsFile(path, [identity]))).message).toMatch(/MAC mismatch/);
  });

  it("says clearly when no key of yours fits, listing the file's recipients", async () => {
    const other = await generateIdentity();
    const error = await failure(readSopsFile(join(fixtures, "secret.enc.yaml"), [other]));
    expect(error.code).toBe(ExitCode.noPerm);
    expect(error.message).toContain("none of your age keys can decrypt");
    expect(error.hint).toContain("age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr");
  });

  it("says how to provide a key when there is none", async () => {
    const error = await failure(readSopsFile(join(fixtures, "secret.enc.json"), []));
    expect(error.code).toBe(ExitCode.config);
    expect(error.hint).toContain("SOPS_AGE_KEY_FILE");
  });

  it("refuses a file that is not SOPS-encrypted, a missing file and an unknown format", async () => {
    const plain = tampered("secret.json", (text) => text);
    const notSops = await failure(readSopsFile(plain, [identity]));
    expect(notSops.code).toBe(ExitCode.dataErr);
    expect(notSops.message).toContain("not a SOPS-encrypted file");
    expect(notSops.hint).toContain("sops encrypt");

    const missing = await failure(readSopsFile(join(fixtures, "nope.yaml"), [identity]));
    expect(missing.code).toBe(ExitCode.config);
    expect(missing.message).toContain("does not exist");

    const unknown = await failure(readSopsFile(join(fixtures, "LICENSE.md"), [identity]));
    expect(unknown.message).toContain("cannot tell the SOPS format");
  });

  it("reports broken YAML by position without quoting the line", async () => {
    const path = tampered("secret.enc.yaml", (text) => text.replace("int: ENC", "int: [ENC"));
    const error = await failure(readSopsFile(path, [identity]));
    expect(error.message).toMatch(/not valid YAML \(line \d+, column \d+\)/);
    expect(error.message).not.toContain("ENC[");
  });
});

describe("goFormatFloat matches Go's FormatFloat(f, 'f', -1, 64)", () => {
  it.each([
    [3.14, "3.14"],
    [7, "7"],
    [1e21, "1000000000000000000000"],
    [1.5e-7, "0.00000015"],
    [-2.5e-10, "-0.00000000025"],
    [123456789.125, "123456789.125"],
    [-0, "-0"],
    [Number.POSITIVE_INFINITY, "+Inf"],
  ])("%d -> %s", (value, text) => {
    expect(goFormatFloat(value)).toBe(text);
  });
});

describe("loadAgeIdentities", () => {
  it("collects SOPS_AGE_KEY (several lines, comments), SOPS_AGE_KEY_FILE and keys.txt, once each", async () => {
    sandbox = makeSandbox();
    const other = await generateIdentity();
    const third = await generateIdentity();
    const keyFile = join(sandbox.root, "work.txt");
    writeFileSync(keyFile, `# work key\n${third}\n`, { mode: 0o600 });
    const sopsDir = join(sandbox.env.XDG_CONFIG_HOME!, "sops", "age");
    mkdirSync(sopsDir, { recursive: true });
    writeFileSync(join(sopsDir, "keys.txt"), keyText, { mode: 0o600 });
    const env = {
      ...sandbox.env,
      SOPS_AGE_KEY: `# created: today\n${other}\n\n${identity}`,
      SOPS_AGE_KEY_FILE: keyFile,
    };
    expect(await loadAgeIdentities(env, resolvePaths(env))).toEqual([other, identity, third]);
  });

  it("refuses a key file others can read, with the chmod that fixes it", async () => {
    sandbox = makeSandbox();
    const keyFile = join(sandbox.root, "keys.txt");
    writeFileSync(keyFile, keyText, { mode: 0o644 });
    const env = { ...sandbox.env, SOPS_AGE_KEY_FILE: keyFile };
    const error = await failure(loadAgeIdentities(env, resolvePaths(env)));
    expect(error.code).toBe(ExitCode.noPerm);
    expect(error.hint).toBe(`run: chmod 600 ${keyFile}`);
  });

  it("names a missing SOPS_AGE_KEY_FILE and a bad line by number only", async () => {
    sandbox = makeSandbox();
    const missing = { ...sandbox.env, SOPS_AGE_KEY_FILE: join(sandbox.root, "absent.txt") };
    expect((await failure(loadAgeIdentities(missing, resolvePaths(missing)))).message).toContain(
      "absent.txt",
    );

    const bad = { ...sandbox.env, SOPS_AGE_KEY: `${identity}\nhunter2-not-a-key` };
    const error = await failure(loadAgeIdentities(bad, resolvePaths(bad)));
    expect(error.message).toBe("SOPS_AGE_KEY, line 2: not an age identity");
  });
});
