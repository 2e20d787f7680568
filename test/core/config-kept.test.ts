import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadKept } from "../../src/core/config/kept.ts";
import { loadConfig } from "../../src/core/config/load.ts";
import { resolvePaths } from "../../src/core/paths.ts";
import media from "../../src/modules/media/index.ts";

const root = mkdtempSync(join(tmpdir(), "deskhub-kept-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function setup(name: string) {
  const home = join(root, name);
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, "config"), XDG_CACHE_HOME: join(home, "cache") };
  const paths = resolvePaths(env);
  mkdirSync(paths.configDir, { recursive: true });
  const file = join(paths.configDir, "config.yaml");
  // A stand-in for deskhub's code: what the kept config's key fingerprints.
  const code = join(home, "code");
  mkdirSync(code, { recursive: true });
  writeFileSync(join(code, "config.js"), "export const schema = 1;\n");
  let loads = 0;
  const load = (environment: NodeJS.ProcessEnv = env) => {
    loads++;
    return loadConfig({ paths, hostname: "host", env: environment, modules: [media], unchecked: [] });
  };
  const run = (environment: NodeJS.ProcessEnv = env) =>
    loadKept(
      { paths, env: environment, modules: [media], unchecked: [], files: [file], codeRoot: code },
      () => load(environment),
    );
  const keptDir = join(paths.cacheDir, "config");
  const kept = () => join(keptDir, readdirSync(keptDir).find((name) => name.startsWith("media-"))!);
  return { env, file, code, kept, cacheDir: paths.cacheDir, run, loads: () => loads };
}

describe("the config kept between runs of a command", () => {
  it("is used while the file and the code stay the same, and dropped when either changes", async () => {
    const s = setup("same");
    writeFileSync(s.file, "media:\n  jellyfin:\n    url: http://jf.example:8096\n");
    const first = await s.run();
    expect(first.config?.media?.jellyfin).toMatchObject({ url: "http://jf.example:8096" });
    expect(statSync(s.kept()).mode & 0o777).toBe(0o600);
    const second = await s.run();
    expect(s.loads()).toBe(1);
    expect(second).toEqual(first);

    writeFileSync(s.file, "media:\n  jellyfin:\n    url: http://other.example:8096\n");
    expect((await s.run()).config?.media?.jellyfin).toMatchObject({ url: "http://other.example:8096" });
    expect(s.loads()).toBe(2);

    // A new release or an edited schema: the same config is checked again.
    const later = new Date(Date.now() + 5000);
    utimesSync(join(s.code, "config.js"), later, later);
    await s.run();
    expect(s.loads()).toBe(3);
  });

  it("never stands in for a config that has problems", async () => {
    const s = setup("broken");
    writeFileSync(s.file, "media:\n  stale_after: 1d\n");
    await s.run();
    writeFileSync(s.file, "media:\n  stale_afterr: 1d\n");
    const broken = await s.run();
    expect(broken.config).toBeUndefined();
    expect(broken.problems[0]).toMatchObject({ file: s.file, line: 2, path: "media" });
    expect((await s.run()).config).toBeUndefined();
    expect(s.loads()).toBe(3);
  });

  it("is not written when environment variables fill in the config (they may hold secrets)", async () => {
    const s = setup("env");
    writeFileSync(s.file, "media: {}\n");
    const loaded = await s.run({ ...s.env, JELLYFIN_URL: "http://from-env.example:8096" });
    expect(loaded.config?.media?.jellyfin).toMatchObject({ url: "http://from-env.example:8096" });
    expect(existsSync(join(s.cacheDir, "config"))).toBe(false);
  });

  it("treats a damaged copy as a miss", async () => {
    const s = setup("damaged");
    writeFileSync(s.file, "media: {}\n");
    await s.run();
    writeFileSync(s.kept(), "{ not json");
    expect((await s.run()).config?.media).toBeDefined();
    expect(s.loads()).toBe(2);
    expect(() => JSON.parse(readFileSync(s.kept(), "utf8"))).not.toThrow();
  });
});
