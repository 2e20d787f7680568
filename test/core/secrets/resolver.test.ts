import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ExitCode, UserError } from "../../../src/core/errors.ts";
import { resolvePaths } from "../../../src/core/paths.ts";
import { clearSecrets, scrub } from "../../../src/core/redact.ts";
import { Secrets } from "../../../src/core/secrets/secrets.ts";
import { makeSandbox, repoRoot, type Sandbox } from "../../helpers/sandbox.ts";

const fixtures = join(repoRoot, "test/fixtures/sops");
let sandbox: Sandbox;
afterEach(() => {
  sandbox?.cleanup();
  clearSecrets();
});

/** A sandbox whose sops key sits where sops looks by default, mode 600. */
function setup() {
  sandbox = makeSandbox();
  const sopsDir = join(sandbox.env.XDG_CONFIG_HOME!, "sops", "age");
  mkdirSync(sopsDir, { recursive: true });
  writeFileSync(join(sopsDir, "keys.txt"), readFileSync(join(fixtures, "key.txt")), { mode: 0o600 });
  const runtimeSecret = join(sandbox.env.XDG_RUNTIME_DIR!, "secrets", "secret");
  mkdirSync(join(sandbox.env.XDG_RUNTIME_DIR!, "secrets"), { recursive: true });
  const keyFile = join(sandbox.home, ".config", "app", "secret");
  mkdirSync(join(sandbox.home, ".config", "app"), { recursive: true });
  return { runtimeSecret, keyFile };
}

function secrets(env: NodeJS.ProcessEnv, sopsFiles: string[]): Secrets {
  const resolver = new Secrets({ env, paths: resolvePaths(env), sopsFiles });
  resolver.declare({
    name: "secret",
    description: "test",
    env: ["APP_SECRET"],
    files: ["~/.config/app/secret"],
  });
  return resolver;
}

describe("Secrets resolver with SOPS files", () => {
  it("takes env, then runtime dir, then sops, then key file", async () => {
    const { runtimeSecret, keyFile } = setup();
    const sopsFiles = [join(fixtures, "secret.enc.yaml")];
    writeFileSync(runtimeSecret, "from-runtime-dir\n", { mode: 0o600 });
    writeFileSync(keyFile, "from-key-file\n", { mode: 0o600 });

    const withEnv = { ...sandbox.env, APP_SECRET: "from-env" };
    expect(await secrets(withEnv, sopsFiles).locate("secret")).toMatchObject({
      kind: "env",
      where: "APP_SECRET",
    });
    expect(await secrets(withEnv, sopsFiles).get("secret")).toBe("from-env");

    expect(await secrets(sandbox.env, sopsFiles).get("secret")).toBe("from-runtime-dir");

    rmSync(runtimeSecret);
    const fromSops = secrets(sandbox.env, sopsFiles);
    expect(await fromSops.locate("secret")).toEqual({
      name: "secret",
      found: true,
      kind: "sops",
      where: sopsFiles[0],
    });
    expect(await fromSops.get("secret")).toBe("this is a secret");
    // Nested keys are reachable by dotted name, and every value found is redacted from output.
    expect(await fromSops.get("complex.value")).toBe("this is a secret");
    expect(scrub("token=this is a secret")).toBe("token=[redacted]");

    expect(await secrets(sandbox.env, []).locate("secret")).toMatchObject({ kind: "file", where: keyFile });
  });

  it("reads dotenv SOPS files for the variable names too", async () => {
    setup();
    const resolver = new Secrets({
      env: sandbox.env,
      paths: resolvePaths(sandbox.env),
      sopsFiles: [join(fixtures, "secret.enc.env")],
    });
    resolver.declare({ name: "other", description: "test", env: ["another_secret"] });
    expect(await resolver.get("other")).toBe("7");
  });

  it("refuses a 0644 key file with the chmod that fixes it", async () => {
    const { keyFile } = setup();
    writeFileSync(keyFile, "from-key-file\n");
    chmodSync(keyFile, 0o644);
    const error = await secrets(sandbox.env, [])
      .require("secret")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe(ExitCode.noPerm);
    expect((error as UserError).hint).toBe(`run: chmod 600 ${keyFile}`);
  });

  it("refuses a world-readable age key and reports it through locate, without the key", async () => {
    setup();
    const keys = join(sandbox.env.XDG_CONFIG_HOME!, "sops", "age", "keys.txt");
    chmodSync(keys, 0o644);
    const location = await secrets(sandbox.env, [join(fixtures, "secret.enc.json")]).locate("secret");
    expect(location.found).toBe(false);
    expect(location.error).toContain(keys);
    expect(location.error).not.toContain("AGE-SECRET-KEY");
  });
});
