import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPackage } from "../helpers/package-build.ts";
import { freePort, makeSandbox, type Sandbox, waitFor } from "../helpers/sandbox.ts";

/**
 * The packaged JavaScript, as `npm install -g` runs it. `deskhub --version` passing in
 * CI says nothing of the modules' services, which load on demand through dynamic imports.
 */
let sandbox: Sandbox;

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? jsFiles(join(dir, entry.name))
      : entry.name.endsWith(".js")
        ? [join(dir, entry.name)]
        : [],
  );
}

let build: string;

beforeAll(() => {
  build = buildPackage("deskhub-test-package");
}, 120_000);

afterAll(() => {
  sandbox?.cleanup();
  rmSync(build, { recursive: true, force: true });
});

describe("the packaged JavaScript", () => {
  it("imports only files it ships: every relative specifier, static or dynamic, names a .js file that exists", () => {
    const broken: string[] = [];
    for (const file of jsFiles(join(build, "dist"))) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
        const specifier = match[1]!;
        const target = resolve(dirname(file), specifier);
        if (!specifier.endsWith(".js") || !existsSync(target))
          broken.push(`${file.slice(build.length + 1)}: ${specifier}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("starts every module's service in the daemon", async () => {
    sandbox = makeSandbox();
    const port = await freePort();
    mkdirSync(sandbox.configDir, { recursive: true });
    writeFileSync(
      join(sandbox.configDir, "config.yaml"),
      `dashboard:\n  port: ${port}\nhomeassistant:\n  embedded:\n    port: ${await freePort()}\n`,
    );
    const daemon = spawn(process.execPath, [join(build, "bin/deskhub.js"), "up"], {
      env: { ...sandbox.env, DESKHUB_LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    daemon.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    daemon.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      const started = await waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/api/state`).catch(() => undefined);
          if (!response?.ok) return undefined;
          const state = (await response.json()) as { entities: Array<{ id: string; value: unknown }> };
          const health = state.entities.filter((e) => e.id.endsWith(".health"));
          return health.length > 0 && health.every((e) => e.value !== "starting") ? health : undefined;
        },
        { timeout: 30_000, what: "every module past starting" },
      );
      expect(started.map((e) => e.id).sort()).toEqual(
        ["calendar", "files", "homeassistant", "iptv", "media", "presence", "voice"].map(
          (m) => `${m}.health`,
        ),
      );
      expect(output).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module/);
    } finally {
      daemon.kill("SIGTERM");
      await new Promise((done) => daemon.once("exit", done));
    }
  }, 60_000);
});
