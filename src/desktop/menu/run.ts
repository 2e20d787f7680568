import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { ExitCode, UserError } from "../../core/errors.ts";
import type { MenuBackendName } from "./backends.ts";

export interface MenuRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Signs on stderr that a menu could not show itself, although it exits 1 like a cancel. */
const FAILED_TO_SHOW =
  /failed to open display|cannot open display|connection has error|failed to connect|no such file/i;

/** rofi's warning for an icon file that is not there (a poster still to be fetched): the menu did show. */
const ICON_WARNING = /icon|image/i;

export function looksLikeFailure(stderr: string): boolean {
  return stderr.split("\n").some((line) => FAILED_TO_SHOW.test(line) && !ICON_WARNING.test(line));
}

/** A menu program running on its input. */
export interface StartedMenu {
  /** Its answer once it has closed. */
  run: Promise<MenuRun>;
  /** Settles once every line is in the pipe (or the program has gone): the menu has its input. */
  written: Promise<void>;
  /** Closes the menu, for a caller that will not read the answer. */
  close(): void;
}

/**
 * Starts a menu program with the lines on its stdin. The lines go out in one write: a
 * menu reads them as fast as it can, and one that closes early (a cancel before the
 * last line arrived) must not turn into an EPIPE crash.
 */
export function startMenuProgram(
  path: string,
  args: readonly string[],
  input: string | Uint8Array,
  options: { env: NodeJS.ProcessEnv; terminal: boolean },
): StartedMenu {
  const child = spawn(path, args, {
    env: options.env,
    stdio: ["pipe", "pipe", options.terminal ? "inherit" : "pipe"],
  }) as ChildProcessByStdio<Writable, Readable, Readable | null>;
  const run = new Promise<MenuRun>((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
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
  });
  const written = new Promise<void>((resolve) => {
    child.stdin.once("finish", resolve);
    child.stdin.once("close", resolve);
  });
  child.stdin.on("error", () => {});
  child.stdin.end(input);
  return { run, written, close: () => child.kill() };
}

/** A menu program with its whole input, ready to start: plain data, so it can be kept and started later. */
export interface PreparedMenu {
  name: MenuBackendName;
  path: string;
  args: string[];
  terminal: boolean;
  input: string | Uint8Array;
  count: number;
}

/** A menu program started on its input, not answered yet. */
export interface OpenedMenu extends StartedMenu {
  name: MenuBackendName;
  count: number;
}

export function openMenu(menu: PreparedMenu, env: NodeJS.ProcessEnv): OpenedMenu {
  const started = startMenuProgram(menu.path, menu.args, menu.input, { env, terminal: menu.terminal });
  return { name: menu.name, count: menu.count, ...started };
}

/** `startMenuProgram`, waiting for the answer. */
export function runMenuProgram(
  path: string,
  args: readonly string[],
  input: string | Uint8Array,
  options: { env: NodeJS.ProcessEnv; terminal: boolean },
): Promise<MenuRun> {
  return startMenuProgram(path, args, input, options).run;
}
