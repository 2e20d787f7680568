import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";

/**
 * JSON-lines log file with size-based rotation: deskhub.log is current, deskhub.1.log the
 * one before, up to `keep` old files. Written synchronously like pino's own default
 * destination, so a crash loses no line. (pino-roll does this too, but loads all of
 * date-fns: 20 MB of the daemon's memory for a rename.)
 */
export class RotatingLogFile extends Writable {
  readonly path: string;
  #dir: string;
  #maxBytes: number;
  #keep: number;
  #fd: number;
  #size: number;

  constructor(options: { dir: string; name?: string; maxBytes?: number; keep?: number }) {
    super({ decodeStrings: true });
    this.#dir = options.dir;
    this.#maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.#keep = options.keep ?? 5;
    this.path = join(this.#dir, `${options.name ?? "deskhub"}.log`);
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    this.#fd = openSync(this.path, "a", 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  #rotated(n: number): string {
    return this.path.replace(/\.log$/, `.${n}.log`);
  }

  #rotate(): void {
    closeSync(this.#fd);
    rmSync(this.#rotated(this.#keep), { force: true });
    for (let n = this.#keep - 1; n >= 1; n--) {
      if (existsSync(this.#rotated(n))) renameSync(this.#rotated(n), this.#rotated(n + 1));
    }
    renameSync(this.path, this.#rotated(1));
    this.#fd = openSync(this.path, "a", 0o600);
    this.#size = 0;
  }

  override _write(chunk: Buffer, _encoding: string, done: (error?: Error | null) => void): void {
    try {
      if (this.#size > 0 && this.#size + chunk.length > this.#maxBytes) this.#rotate();
      writeSync(this.#fd, chunk);
      this.#size += chunk.length;
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _final(done: (error?: Error | null) => void): void {
    closeSync(this.#fd);
    done();
  }
}
