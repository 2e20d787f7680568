import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { ExitCode, UserError } from "../../core/errors.ts";

export interface MenuRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Signs on stderr that a menu could not show itself, although it exits 1 like a cancel. */
const FAILED_TO_SHOW =
  /failed to open display|cannot open display|connection has error|failed to connect|no such file/i;

export function looksLikeFailure(stderr: string): boolean {
  return FAILED_TO_SHOW.test(stderr);
}

/**
 * Runs a menu program with the lines on its stdin. The lines go out in one write: a
 * menu reads them as fast as it can, and one that closes early (a cancel before the
 * last line arrived) must not turn into an EPIPE crash.
 */
export function runMenuProgram(
  path: string,
  args: readonly string[],
  input: string | Uint8Array,
  options: { env: NodeJS.ProcessEnv; terminal: boolean },
): Promise<MenuRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, {
      env: options.env,
      stdio: ["pipe", "pipe", options.terminal ? "inherit" : "pipe"],
    }) as ChildProcessByStdio<Writable, Readable, Readable | null>;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
    child.stdin.on("error", () => {});
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new UserError(`cannot start the menu program ${path}: ${error.message}`, {
          code: error.code === "EACCES" ? ExitCode.noPerm : ExitCode.unavailable,
        }),
      );
    });
    child.once("close", (code, signal) => {
      resolve({
        code: code ?? (signal === "SIGINT" ? 130 : 128),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
    child.stdin.end(input);
  });
}
