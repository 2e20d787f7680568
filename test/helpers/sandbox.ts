import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const mainScript = join(repoRoot, "src/main.ts");

export interface Sandbox {
  root: string;
  home: string;
  /** An environment with every XDG directory inside the sandbox and nothing inherited that could leak in. */
  env: NodeJS.ProcessEnv;
  configDir: string;
  dataDir: string;
  runtimeDir: string;
  stateDir: string;
  cleanup(): void;
}

/** A private HOME with its own XDG directories, so tests never touch the user's files. */
export function makeSandbox(extraEnv: NodeJS.ProcessEnv = {}): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "deskhub-test-"));
  const home = join(root, "home");
  const dirs = {
    XDG_CONFIG_HOME: join(root, "config"),
    XDG_DATA_HOME: join(root, "data"),
    XDG_CACHE_HOME: join(root, "cache"),
    XDG_STATE_HOME: join(root, "state"),
    XDG_RUNTIME_DIR: join(root, "run"),
  };
  for (const dir of [home, ...Object.values(dirs)]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: "C.UTF-8",
    HOME: home,
    ...dirs,
    DESKHUB_HOSTNAME: "testhost",
    ...extraEnv,
  };
  return {
    root,
    home,
    env,
    configDir: join(dirs.XDG_CONFIG_HOME, "deskhub"),
    dataDir: join(dirs.XDG_DATA_HOME, "deskhub"),
    runtimeDir: join(dirs.XDG_RUNTIME_DIR, "deskhub"),
    stateDir: join(dirs.XDG_STATE_HOME, "deskhub"),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`node src/main.ts ...`) as a user would, on the Node that runs the tests. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [mainScript, ...args],
      { env, cwd: repoRoot, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** Starts the CLI as a long-running process (e.g. `deskhub up`). */
export function spawnCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  nodeFlags: readonly string[] = [],
): ChildProcess & { output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...nodeFlags, mainScript, ...args], {
    env,
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (chunk) => (text += chunk));
  child.stderr?.on("data", (chunk) => (text += chunk));
  // Listened for from the start: a child that exits while a test awaits something else is still seen.
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return Object.assign(child, { output: () => text, exited });
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until `check` returns a truthy value or the deadline passes. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { timeout?: number; interval?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeout ?? 10_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, options.interval ?? 50));
  }
  throw new Error(`timed out waiting for ${options.what ?? "condition"}${last ? `: ${String(last)}` : ""}`);
}
