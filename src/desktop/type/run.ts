import { execFile } from "node:child_process";

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** The tool opens /dev/stdin, which needs a real pipe (see RELAY). */
  pipeStdin?: boolean;
  timeoutMs?: number;
}

/**
 * Node gives a child a socket as stdin, and opening /dev/stdin on a socket fails
 * (ENXIO); `cat` in between makes it a pipe. "$0" "$@" keep the argv unparsed.
 */
const RELAY = 'cat | exec "$0" "$@"';

/** A typing tool failed; the message carries its own words (stderr). */
export class ToolError extends Error {
  readonly tool: string;
  constructor(tool: string, message: string) {
    super(`${tool}: ${message}`);
    this.name = "ToolError";
    this.tool = tool;
  }
}

/** Runs a desktop tool with argv (never a shell): text cannot be taken for syntax. */
export function runTool(path: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const tool = path.split("/").at(-1) ?? path;
  return new Promise((resolve, reject) => {
    const [file, argv] = options.pipeStdin ? ["sh", ["-c", RELAY, path, ...args]] : [path, [...args]];
    const child = execFile(
      file,
      argv,
      { env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const detail = stderr.trim().split("\n").at(-1) || error.message;
        reject(new ToolError(tool, detail));
      },
    );
    child.stdin?.on("error", () => {});
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}
