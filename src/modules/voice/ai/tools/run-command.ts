import { spawn } from "node:child_process";
import type { CommandPlan } from "./command-rules.ts";

export interface CommandResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  ms: number;
}

/** Keeps the first `limit` bytes of a stream and counts the rest. */
class Capped {
  #chunks: Buffer[] = [];
  #kept = 0;
  #limit: number;
  dropped = 0;
  constructor(limit: number) {
    this.#limit = limit;
  }
  add(chunk: Buffer): void {
    const room = this.#limit - this.#kept;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.#chunks.push(part);
      this.#kept += part.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
  }
  text(): string {
    return Buffer.concat(this.#chunks).toString("utf8");
  }
}

/**
 * Runs a planned command: argv through execFile semantics (no shell), or the line
 * through /bin/sh -c when its prefix allows a shell. The process gets its own group so a
 * timeout or an interrupt kills what it started too; output beyond the cap is dropped.
 */
export function runPlannedCommand(
  plan: CommandPlan,
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    timeoutMs: number;
    outputLimit: number;
    signal: AbortSignal;
  },
): Promise<CommandResult> {
  const started = performance.now();
  const [program, args] = plan.shell
    ? ["/bin/sh", ["-c", plan.argv[0]!]]
    : [plan.argv[0]!, plan.argv.slice(1)];
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      shell: false,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout = new Capped(options.outputLimit);
    const stderr = new Capped(options.outputLimit);
    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const stop = () => {
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), 2000).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    options.signal.addEventListener("abort", stop, { once: true });
    child.stdout.on("data", (chunk: Buffer) => stdout.add(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.add(chunk));
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      options.signal.removeEventListener("abort", stop);
      reject(
        new Error(
          error.code === "ENOENT"
            ? `${program} is not installed (not found on PATH)`
            : `cannot run ${program}: ${error.message}`,
        ),
      );
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      options.signal.removeEventListener("abort", stop);
      resolve({
        code,
        signal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        timedOut,
        truncated: stdout.dropped + stderr.dropped > 0,
        ms: Math.round(performance.now() - started),
      });
    });
  });
}

/** 30 s, 2.5 s, 0.3 s: whole seconds where that is not misleading. */
function seconds(ms: number): string {
  return ms >= 10_000 ? String(Math.round(ms / 1000)) : String(Math.round(ms / 100) / 10);
}

/** The result as the model reads it. */
export function describeResult(result: CommandResult, timeoutMs: number): string {
  const lines: string[] = [];
  if (result.timedOut) lines.push(`timed out after ${seconds(timeoutMs)} s and was stopped`);
  else if (result.signal) lines.push(`killed by ${result.signal}`);
  else lines.push(`exit code ${result.code}`);
  if (result.stdout) lines.push(`stdout:\n${result.stdout}`);
  if (result.stderr) lines.push(`stderr:\n${result.stderr}`);
  if (result.truncated) lines.push("[output cut at the configured limit]");
  return lines.join("\n");
}
