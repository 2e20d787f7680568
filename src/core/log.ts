import { Writable } from "node:stream";
import pino, { type Logger, type StreamEntry } from "pino";
import { scrub } from "./redact.ts";

export type { Logger } from "pino";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** The last lines logged, kept for the dashboard's log tail. */
export class LogTail extends Writable {
  readonly lines: string[] = [];
  readonly #max: number;
  #listeners = new Set<(line: string) => void>();

  constructor(max = 300) {
    super();
    this.#max = max;
  }

  override _write(chunk: Buffer | string, _encoding: string, done: () => void): void {
    for (const line of String(chunk).split("\n")) {
      if (!line) continue;
      this.lines.push(line);
      if (this.lines.length > this.#max) this.lines.shift();
      for (const listener of this.#listeners) listener(line);
    }
    done();
  }

  subscribe(listener: (line: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export interface LogOptions {
  level?: LogLevel;
  /** Directory for rotated JSON-lines files; omitted for short-lived CLI commands. */
  dir?: string;
  /** Human-readable output on stderr (a terminal); JSON lines otherwise (journald). */
  pretty?: boolean;
  tail?: LogTail;
  /** Where console output goes; stderr keeps stdout clean for `--json` and piping. */
  destination?: NodeJS.WritableStream;
}

/**
 * One pino logger for the process. Every line passes through `scrub` before it is
 * written anywhere, so a secret that slipped into a message never reaches a file.
 */
export async function createLogger(options: LogOptions = {}): Promise<Logger> {
  const level = options.level ?? "info";
  const streams: StreamEntry[] = [];
  const console = options.destination ?? process.stderr;
  if (options.pretty) {
    const { default: pretty } = await import("pino-pretty");
    streams.push({ level: "trace", stream: pretty({ destination: console, colorize: true, sync: true }) });
  } else {
    streams.push({ level: "trace", stream: console });
  }
  if (options.dir) {
    const { RotatingLogFile } = await import("./log-file.ts");
    streams.push({ level: "trace", stream: new RotatingLogFile({ dir: options.dir }) });
  }
  if (options.tail) streams.push({ level: "trace", stream: options.tail });
  return pino(
    {
      // The logger filters; every stream takes what passes.
      level,
      base: undefined,
      hooks: { streamWrite: scrub },
    },
    pino.multistream(streams),
  );
}

/** A logger that writes nothing, for code paths that must not print. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
