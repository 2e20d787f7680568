import { type ChildProcess, execFile, spawn } from "node:child_process";
import { writeFileAtomic } from "../../core/atomic.ts";
import { ExitCode, UserError } from "../../core/errors.ts";
import { which } from "../../core/proc.ts";
import { encodeWav } from "./wav.ts";

export interface PcmFormat {
  rate: number;
  channels?: number;
}

/** Where synthesized speech goes: a player process or a WAV file. */
export interface PcmSink {
  readonly name: string;
  write(pcm: Buffer): Promise<void>;
  /** No more audio: waits until it has been played (or written). */
  end(): Promise<void>;
  /** Stops at once, dropping whatever is still queued (the interrupt key). */
  abort(): void;
}

export const PLAYERS = ["pw-play", "paplay", "aplay"] as const;
export type PlayerProgram = (typeof PLAYERS)[number];

function hasRawFlag(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(path, ["--help"], { timeout: 3000 }, (_e, stdout, stderr) =>
      resolve(`${stdout}${stderr}`.includes("--raw")),
    );
  });
}

async function playerArgv(program: PlayerProgram, path: string, format: PcmFormat): Promise<string[]> {
  const rate = String(format.rate);
  const channels = String(format.channels ?? 1);
  switch (program) {
    case "pw-play":
      return [
        path,
        ...((await hasRawFlag(path)) ? ["--raw"] : []),
        ...["--rate", rate, "--channels", channels, "--format", "s16", "-"],
      ];
    case "paplay":
      return [path, "--raw", "--format=s16le", `--rate=${rate}`, `--channels=${channels}`];
    case "aplay":
      return [path, "-q", "-t", "raw", "-f", "S16_LE", "-r", rate, "-c", channels, "-"];
  }
}

/** `{rate}` and `{channels}` in a configured player command are filled in per stream. */
function fillCommand(command: readonly string[], format: PcmFormat): string[] {
  return command.map((part) =>
    part.replaceAll("{rate}", String(format.rate)).replaceAll("{channels}", String(format.channels ?? 1)),
  );
}

export async function resolvePlayer(
  format: PcmFormat,
  options: { command?: readonly string[]; env?: NodeJS.ProcessEnv },
): Promise<string[]> {
  if (options.command?.length) return fillCommand(options.command, format);
  for (const program of PLAYERS) {
    const path = await which(program, options.env);
    if (path) return playerArgv(program, path, format);
  }
  throw new UserError("no audio player found", {
    code: ExitCode.unavailable,
    hint: "install pipewire-bin (pw-play), pulseaudio-utils (paplay) or alsa-utils (aplay), or write to a file with --out FILE.wav",
  });
}

class ProcessSink implements PcmSink {
  readonly name: string;
  #child: ChildProcess;
  #closed: Promise<void>;
  #error: Error | undefined;
  #aborted = false;
  #settle!: () => void;

  constructor(argv: string[], env: NodeJS.ProcessEnv) {
    const [program, ...args] = argv;
    this.name = program ?? "player";
    this.#child = spawn(program!, args, { stdio: ["pipe", "ignore", "pipe"], env });
    let stderr = "";
    this.#child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-1000)));
    this.#child.stdin!.on("error", () => {});
    this.#closed = new Promise((resolve) => {
      this.#settle = resolve;
      this.#child.on("error", (error) => {
        this.#error = new UserError(`cannot start ${this.name}: ${error.message}`, {
          code: ExitCode.unavailable,
        });
        resolve();
      });
      this.#child.on("close", (code) => {
        if (code !== 0 && !this.#aborted && !this.#error) {
          this.#error = new UserError(
            `${this.name} failed: ${stderr.trim().split("\n").at(-1) ?? `exit ${code}`}`,
            {
              code: ExitCode.unavailable,
            },
          );
        }
        resolve();
      });
    });
  }

  write(pcm: Buffer): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    const stdin = this.#child.stdin!;
    if (this.#aborted || stdin.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      if (stdin.write(pcm)) resolve();
      else {
        const done = () => {
          stdin.off("drain", done);
          this.#child.off("close", done);
          resolve();
        };
        stdin.once("drain", done);
        this.#child.once("close", done);
      }
    });
  }

  async end(): Promise<void> {
    this.#child.stdin!.end();
    await this.#closed;
    if (this.#error) throw this.#error;
  }

  abort(): void {
    this.#aborted = true;
    this.#child.kill("SIGKILL");
    // A player's own children may hold its pipes open; the player is gone, that is enough.
    this.#settle();
  }
}

/** Plays PCM through pw-play, paplay or aplay (or the configured command), streamed. */
export async function openPlayer(
  format: PcmFormat,
  options: { command?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<PcmSink> {
  return new ProcessSink(await resolvePlayer(format, options), options.env ?? process.env);
}

/** Collects PCM and writes one WAV file, atomically, when the speech is complete. */
export function wavFileSink(path: string, format: PcmFormat): PcmSink {
  const chunks: Buffer[] = [];
  let aborted = false;
  return {
    name: path,
    async write(pcm) {
      if (!aborted) chunks.push(pcm);
    },
    async end() {
      if (aborted) return;
      await writeFileAtomic(path, encodeWav(Buffer.concat(chunks), format.rate, format.channels ?? 1));
    },
    abort() {
      aborted = true;
    },
  };
}
