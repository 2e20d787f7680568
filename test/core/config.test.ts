import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config/load.ts";
import { jsonSchema } from "../../src/core/config/schema.ts";
import { resolvePaths } from "../../src/core/paths.ts";
import counter from "../fixtures/modules/counter.ts";
import needy from "../fixtures/modules/needy.ts";
import { makeSandbox, runCli, type Sandbox } from "../helpers/sandbox.ts";

const modules = [counter, needy];
let sandbox: Sandbox;
afterEach(() => sandbox?.cleanup());

function write(name: string, text: string): string {
  mkdirSync(sandbox.configDir, { recursive: true });
  const file = join(sandbox.configDir, name);
  writeFileSync(file, text);
  return file;
}

const load = (env: NodeJS.ProcessEnv = sandbox.env) =>
  loadConfig({ paths: resolvePaths(env), hostname: "testhost", env, modules });

describe("config loading", () => {
  it("gives every default when there is no file", async () => {
    sandbox = makeSandbox();
    const loaded = await load();
    expect(loaded.problems).toEqual([]);
    expect(loaded.files).toEqual([]);
    expect(loaded.config?.dashboard).toEqual({ host: "127.0.0.1", port: 7373 });
    expect(loaded.config?.counter).toEqual({ start: 0, fail_starts: 0, enabled: true });
  });

  it("merges config.<hostname>.yaml over config.yaml, key by key", async () => {
    sandbox = makeSandbox();
    write("config.yaml", "dashboard:\n  port: 8000\ncounter:\n  start: 5\n  fail_starts: 1\n");
    write("config.testhost.yaml", "counter:\n  start: 7\n");
    write("config.otherhost.yaml", "counter:\n  start: 99\n");
    const loaded = await load();
    expect(loaded.problems).toEqual([]);
    expect(loaded.config?.dashboard.port).toBe(8000);
    expect(loaded.config?.counter).toMatchObject({ start: 7, fail_starts: 1 });
    expect(loaded.files).toHaveLength(2);
  });

  it("lets the old scripts' environment variables win over the file", async () => {
    sandbox = makeSandbox({ NEEDY_SERVER: "http://from-env" });
    write("config.yaml", "needy:\n  server: http://from-file\n");
    const loaded = await load();
    expect(loaded.config?.needy).toMatchObject({ server: "http://from-env" });
  });

  it("reports an unknown key with file, line and key path", async () => {
    sandbox = makeSandbox();
    const file = write("config.yaml", "dashboard:\n  port: 7373\ncounter:\n  strat: 4\n");
    const loaded = await load();
    expect(loaded.config).toBeUndefined();
    expect(loaded.problems).toEqual([
      expect.objectContaining({
        file,
        line: 4,
        path: "counter",
        message: expect.stringContaining('unknown key "strat"'),
      }),
    ]);
  });

  it("reports a wrong type with what was expected and what was found, in the file that set it", async () => {
    sandbox = makeSandbox();
    write("config.yaml", "counter:\n  start: 1\n");
    const host = write("config.testhost.yaml", "\n\ncounter:\n  start: lots\n");
    const loaded = await load();
    expect(loaded.problems).toHaveLength(1);
    const [problem] = loaded.problems;
    expect(problem).toMatchObject({ file: host, line: 4, path: "counter.start" });
    expect(problem?.message).toMatch(/expected number/);
    expect(problem?.message).toContain('"lots"');
  });

  it("reports YAML syntax errors with their line", async () => {
    sandbox = makeSandbox();
    const file = write("config.yaml", "counter:\n  start: 1\n   bad: [\n");
    const loaded = await load();
    expect(loaded.problems[0]).toMatchObject({ file, message: expect.stringMatching(/YAML syntax/) });
    expect(loaded.problems[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it("publishes a JSON Schema that rejects unknown keys and knows every module", async () => {
    const schema = (await jsonSchema(modules)) as {
      properties: Record<string, { additionalProperties?: boolean }>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["dashboard", "counter", "needy", "secrets"]),
    );
    expect(schema.additionalProperties).toBe(false);
  });
});

describe("deskhub config (CLI)", () => {
  it("check exits 78 and prints every problem; a good file passes", async () => {
    sandbox = makeSandbox();
    write("config.yaml", "dashboard:\n  port: seventy\n  colour: blue\n");
    const bad = await runCli(["config", "check"], sandbox.env);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toMatch(/config\.yaml:2: dashboard\.port: .*expected number/);
    expect(bad.stderr).toMatch(/config\.yaml:3: dashboard: unknown key "colour"/);
    write("config.yaml", "dashboard:\n  port: 7400\n");
    const good = await runCli(["config", "check"], sandbox.env);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain("ok");
  });

  it("init --defaults writes a commented file that checks clean, and will not overwrite it", async () => {
    sandbox = makeSandbox();
    const first = await runCli(["config", "init", "--defaults"], sandbox.env);
    expect(first.code).toBe(0);
    expect((await runCli(["config", "check"], sandbox.env)).code).toBe(0);
    const again = await runCli(["config", "init", "--defaults"], sandbox.env);
    expect(again.code).toBe(64);
    expect(again.stderr).toContain("already exists");
  });

  it("path, show and schema answer in JSON", async () => {
    sandbox = makeSandbox();
    write("config.yaml", "dashboard:\n  port: 7401\n");
    const path = JSON.parse((await runCli(["config", "path", "--json"], sandbox.env)).stdout);
    expect(path[0]).toEqual({ file: join(sandbox.configDir, "config.yaml"), exists: true });
    expect(path[1].file).toBe(join(sandbox.configDir, "config.testhost.yaml"));
    const shown = JSON.parse((await runCli(["config", "show", "--json"], sandbox.env)).stdout);
    expect(shown.dashboard.port).toBe(7401);
    const schema = JSON.parse((await runCli(["config", "schema"], sandbox.env)).stdout);
    expect(schema.properties.dashboard.properties.port.type).toBe("integer");
  });
});
