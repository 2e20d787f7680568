import { createRequire } from "node:module";
import { Writable } from "node:stream";
import type { Logger, StreamEntry } from "pino";
import type PinoPretty from "pino-pretty";
import { scrub } from "./redact.ts";

// pino is loaded when a logger is made, not with this file: a CLI command that logs
// nothing must not pay its 30 ms. It is CommonJS, so it loads synchronously.
const require = createRequire(import.meta.url);
const loadPino = (): typeof import("pino").default => require("pino");

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

function consoleStream(options: LogOptions): StreamEntry {
  const console = options.destination ?? process.stderr;
  if (!options.pretty) return { level: "trace", stream: console };
  const pretty = require("pino-pretty") as typeof PinoPretty;
  return { level: "trace", stream: pretty({ destination: console, colorize: true, sync: true }) };
}

function build(level: LogLevel, streams: StreamEntry[]): Logger {
  const pino = loadPino();
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

/**
 * One pino logger for the process. Every line passes through `scrub` before it is
 * written anywhere, so a secret that slipped into a message never reaches a file.
 */
export async function createLogger(options: LogOptions = {}): Promise<Logger> {
  const streams = [consoleStream(options)];
  if (options.dir) {
    const { RotatingLogFile } = await import("./log-file.ts");
    streams.push({ level: "trace", stream: new RotatingLogFile({ dir: options.dir }) });
  }
  if (options.tail) streams.push({ level: "trace", stream: options.tail });
  return build(options.level ?? "info", streams);
}

const SEVERITY: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

/**
 * A logger for short-lived commands (console only) that makes the pino logger behind it
 * on first real use: a call below the level, or a child made for later, does not.
 */
export function deferredLogger(options: Omit<LogOptions, "dir" | "tail"> = {}): Logger {
  const level = options.level ?? "info";
  let root: Logger | undefined;
  return deferred(level, () => (root ??= build(level, [consoleStream(options)])));
}

function deferred(level: LogLevel, real: () => Logger): Logger {
  let logger: Logger | undefined;
  const ignored = () => {};
  return new Proxy({} as Logger, {
    get(_target, property) {
      // Awaiting a value asks for its `then`; a logger has none, and asking must not make one.
      if (property === "then") return undefined;
      if (logger === undefined) {
        if (property === "child")
          return (bindings: Record<string, unknown>) => deferred(level, () => real().child(bindings));
        if (
          typeof property === "string" &&
          property in SEVERITY &&
          SEVERITY[property as LogLevel] < SEVERITY[level]
        )
          return ignored;
      }
      logger ??= real();
      const value = Reflect.get(logger, property, logger) as unknown;
      return typeof value === "function" ? value.bind(logger) : value;
    },
    set(_target, property, value) {
      logger ??= real();
      return Reflect.set(logger, property, value, logger);
    },
  });
}

/** A logger that writes nothing, for code paths that must not print. */
export function silentLogger(): Logger {
  return loadPino()({ level: "silent" });
}
