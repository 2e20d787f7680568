import { type ChildProcess, spawn } from "node:child_process";
import { ExitCode, UserError } from "../../core/errors.ts";
import { readSpeechFile } from "./decode.ts";
import { bytesFor } from "./pcm.ts";
import { Recording, type RecordingOptions } from "./recording.ts";
import { WavHeaderStripper } from "./wav-stream.ts";

/**
 * Where audio comes from: a command that writes 16 kHz mono s16le (or WAV) to stdout
 * (a microphone recorder, or `sox speech.wav -t raw -` in tests), or a file / stdin.
 */
export type PcmSource = { kind: "command"; argv: readonly string[] } | { kind: "file"; path: string };

/** A stopped capture program gets this long to flush its last buffer before it is killed. */
const FLUSH_MS = 400;

function describe(argv: readonly string[]): string {
  return argv[0] ?? "capture command";
}

function spawnCapture(argv: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  const [program, ...args] = argv;
  if (!program) throw new UserError("the capture command is empty", { code: ExitCode.config });
  return spawn(program, args, { stdio: ["ignore", "pipe", "pipe"], env });
}

/** Wires a capture process to a sink of PCM chunks; returns how to stop it. */
function pipeCapture(
  child: ChildProcess,
  name: string,
  onChunk: (chunk: Buffer) => void,
  onEnd: (error?: Error) => void,
): (graceful: boolean) => Promise<void> {
  const stripper = new WavHeaderStripper(name);
  let stderr = "";
  let stopping = false;
  child.stdout!.on("data", (chunk: Buffer) => {
    try {
      onChunk(stripper.push(chunk));
    } catch (error) {
      onEnd(error as Error);
      child.kill("SIGKILL");
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  child.on("error", (error: NodeJS.ErrnoException) => {
    onEnd(
      new UserError(`cannot start ${name}: ${error.code === "ENOENT" ? "not installed" : error.message}`, {
        code: ExitCode.unavailable,
        hint: "check voice.recording.command, or install pipewire-bin / pulseaudio-utils / alsa-utils",
      }),
    );
  });
  const closed = new Promise<void>((resolve) => {
    child.on("close", (code, signal) => {
      if (stopping || code === 0) onEnd();
      else {
        const detail =
          stderr.trim().split("\n").at(-1) || (signal ? `killed by ${signal}` : `exit code ${code}`);
        onEnd(
          new UserError(`${name} stopped recording: ${detail}`, {
            code: ExitCode.unavailable,
            hint: "is a microphone connected and not in use? `deskhub voice doctor` shows the capture program; voice.recording.command overrides it",
          }),
        );
      }
      resolve();
    });
  });
  return async (graceful) => {
    if (child.exitCode !== null || child.signalCode !== null) return closed;
    stopping = true;
    child.kill(graceful ? "SIGTERM" : "SIGKILL");
    if (!graceful) return;
    const timer = setTimeout(() => child.kill("SIGKILL"), FLUSH_MS);
    await closed;
    clearTimeout(timer);
  };
}

/** Starts recording from a source; audio arrives as soon as the source writes it. */
export function startRecording(
  source: PcmSource,
  options: RecordingOptions & { env?: NodeJS.ProcessEnv } = {},
): Recording {
  const recording = new Recording(options);
  if (source.kind === "file") {
    let cancelled = false;
    recording.attach(async () => {
      cancelled = true;
    });
    readSpeechFile(source.path, options.env).then(
      (pcm) => {
        if (cancelled) return;
        recording.push(pcm);
        recording.finish();
      },
      (error: Error) => recording.fail(error),
    );
    return recording;
  }
  const child = spawnCapture(source.argv, options.env ?? process.env);
  const detach = pipeCapture(
    child,
    describe(source.argv),
    (chunk) => recording.push(chunk),
    (error) => (error ? recording.fail(error) : recording.finish()),
  );
  recording.attach(detach);
  return recording;
}

/**
 * A capture process kept running between recordings, with the last `preRollMs` of
 * audio held in memory: a recording starts with the words spoken just before the key
 * went down, and no process start sits between key and first sample. It keeps the
 * microphone open (the desktop's mic indicator stays on), so it is opt-in.
 */
export class WarmCapture {
  #argv: readonly string[];
  #env: NodeJS.ProcessEnv;
  #preRollBytes: number;
  #ring: Buffer[] = [];
  #ringBytes = 0;
  #listeners = new Set<Recording>();
  #detach: ((graceful: boolean) => Promise<void>) | undefined;
  #running = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #onError: (error: Error) => void;
  lastError: Error | undefined;

  constructor(options: {
    argv: readonly string[];
    preRollMs: number;
    env?: NodeJS.ProcessEnv;
    onError?: (error: Error) => void;
  }) {
    this.#argv = options.argv;
    this.#env = options.env ?? process.env;
    this.#preRollBytes = bytesFor(options.preRollMs);
    this.#onError = options.onError ?? (() => {});
  }

  start(): void {
    this.#running = true;
    this.#spawn();
  }

  #spawn(): void {
    const child = spawnCapture(this.#argv, this.#env);
    this.#detach = pipeCapture(
      child,
      describe(this.#argv),
      (chunk) => this.#take(chunk),
      (error) => this.#ended(error),
    );
  }

  #take(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#failures = 0;
    for (const recording of this.#listeners) recording.push(chunk);
    this.#ring.push(chunk);
    this.#ringBytes += chunk.length;
    while (this.#ring.length > 1 && this.#ringBytes - this.#ring[0]!.length >= this.#preRollBytes) {
      this.#ringBytes -= this.#ring.shift()!.length;
    }
  }

  #ended(error?: Error): void {
    this.#detach = undefined;
    if (error) {
      this.lastError = error;
      this.#onError(error);
      for (const recording of this.#listeners) recording.fail(error);
      this.#listeners.clear();
    }
    if (!this.#running) return;
    // Back off so a missing device does not spin (up to 5 minutes: each retry is a process
    // started by an idle daemon); a recording retries at once, so a plugged-in microphone
    // is used from the next key press.
    const delay = Math.min(300_000, 500 * 2 ** this.#failures++);
    this.#restartTimer = setTimeout(() => this.#running && !this.#detach && this.#spawn(), delay);
  }

  /** A recording that begins with the pre-roll and then takes the live audio. */
  begin(options: RecordingOptions = {}): Recording {
    if (!this.#detach && this.#running) {
      clearTimeout(this.#restartTimer);
      this.#spawn();
    }
    const recording = new Recording(options);
    recording.attach(async () => {
      this.#listeners.delete(recording);
    });
    const preRoll = Buffer.concat(this.#ring);
    const tail = preRoll.subarray(Math.max(0, preRoll.length - this.#preRollBytes));
    if (tail.length) recording.push(Buffer.from(tail));
    this.#listeners.add(recording);
    return recording;
  }

  async close(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#restartTimer);
    for (const recording of this.#listeners) recording.finish();
    this.#listeners.clear();
    await this.#detach?.(false);
  }
}
