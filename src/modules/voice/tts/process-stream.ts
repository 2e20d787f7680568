import { spawn } from "node:child_process";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { WavStreamParser } from "../../../desktop/audio/wav-stream.ts";
import type { PcmChunk } from "./types.ts";

/**
 * Runs a synthesiser that reads text on stdin and writes WAV or raw s16le on stdout,
 * yielding audio as it arrives: the player starts before the sentence is finished.
 */
export async function* synthProcess(options: {
  argv: readonly string[];
  text: string;
  signal: AbortSignal;
  /** Raw output's format; WAV output carries its own. */
  raw?: { rate: number; channels: number };
  env?: NodeJS.ProcessEnv;
}): AsyncGenerator<PcmChunk> {
  const [program, ...args] = options.argv;
  const child = spawn(program!, args, { stdio: ["pipe", "pipe", "pipe"], env: options.env ?? process.env });
  const kill = () => child.kill("SIGKILL");
  options.signal.addEventListener("abort", kill, { once: true });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let spawnError: Error | undefined;
  child.on("error", (error) => (spawnError = error));
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  child.stdin.on("error", () => {});
  child.stdin.end(options.text);
  const parser = new WavStreamParser();
  let carry = Buffer.alloc(0);
  try {
    for await (const chunk of child.stdout) {
      const samples = options.raw ? (chunk as Buffer) : parser.push(chunk as Buffer);
      const format =
        options.raw ?? (parser.format && { rate: parser.format.rate, channels: parser.format.channels });
      if (!format || samples.length === 0) continue;
      // Keep whole samples together: a pipe may split one between reads.
      const data = carry.length ? Buffer.concat([carry, samples]) : samples;
      const whole = data.length - (data.length % 2);
      carry = Buffer.from(data.subarray(whole));
      if (whole > 0) yield { pcm: data.subarray(0, whole), ...format };
    }
    const code = await exit;
    if (options.signal.aborted) return;
    if (spawnError) {
      throw new UserError(`cannot run ${program}: ${spawnError.message}`, { code: ExitCode.unavailable });
    }
    if (code !== 0) {
      throw new UserError(`${program} failed: ${stderr.trim().split("\n").at(-1) ?? `exit code ${code}`}`, {
        code: ExitCode.unavailable,
      });
    }
  } finally {
    options.signal.removeEventListener("abort", kill);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}
