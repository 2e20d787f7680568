import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import { bytesFor, levelPercent, rms } from "./pcm.ts";

export interface RecordingOptions {
  /** Recording stops by itself at this length (the "maximum length"). */
  maxMs?: number;
  /** Level for a meter, 0-100, at most every `levelIntervalMs`. */
  onLevel?: (level: number) => void;
  levelIntervalMs?: number;
  /** Every chunk as it arrives (live segmentation in `voice listen`). */
  onChunk?: (chunk: Buffer) => void;
  /** false: chunks go to onChunk only, so an hour of listening does not pile up in memory. */
  keepAudio?: boolean;
}

interface RecordingEvents {
  /** The first audio arrived (what the latency benchmark measures). */
  sample: [];
  /** The maximum length was reached; the recording has stopped taking audio. */
  limit: [];
  /** The source failed (device busy, program missing); `stop` rejects with it too. */
  error: [Error];
}

/** Stops the source: gracefully lets it flush what it buffered, otherwise kills it. */
export type Detach = (graceful: boolean) => Promise<void>;

/**
 * One recording: audio chunks collected in memory (never a temp file) until `stop`.
 * A feed (a capture process, a file, a warm capture) pushes chunks into it.
 */
export class Recording extends EventEmitter<RecordingEvents> {
  readonly startedAt = performance.now();
  firstSampleAt: number | undefined;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #maxBytes: number;
  #options: RecordingOptions;
  #detach: Detach = async () => {};
  #open = true;
  #failure: Error | undefined;
  #levelPeak = 0;
  #levelAt = 0;
  #ended: Promise<void>;
  #end!: () => void;

  constructor(options: RecordingOptions = {}) {
    super();
    this.#options = options;
    this.#maxBytes = options.maxMs ? bytesFor(options.maxMs) : Number.POSITIVE_INFINITY;
    this.#ended = new Promise((resolve) => (this.#end = resolve));
    // An error nobody listens for is reported by stop(); it must not crash the daemon.
    this.on("error", () => {});
  }

  attach(detach: Detach): void {
    this.#detach = detach;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get active(): boolean {
    return this.#open;
  }

  push(chunk: Buffer): void {
    if (!this.#open || chunk.length === 0) return;
    if (this.firstSampleAt === undefined) {
      this.firstSampleAt = performance.now();
      this.emit("sample");
    }
    const room = this.#maxBytes - this.#bytes;
    const part = chunk.length > room ? chunk.subarray(0, room - (room % 2)) : chunk;
    if (this.#options.keepAudio !== false) this.#chunks.push(part);
    this.#bytes += part.length;
    this.#meter(part);
    this.#options.onChunk?.(part);
    if (this.#bytes >= this.#maxBytes) {
      this.#close();
      void this.#detach(false);
      this.emit("limit");
    }
  }

  /** The source ended on its own (a file ran out): the audio so far is kept. */
  finish(): void {
    this.#close();
  }

  fail(error: Error): void {
    if (!this.#open) return;
    this.#failure = error;
    this.#close();
    this.emit("error", error);
  }

  #close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#options.onLevel?.(0);
    this.#end();
  }

  #meter(chunk: Buffer): void {
    const onLevel = this.#options.onLevel;
    if (!onLevel) return;
    this.#levelPeak = Math.max(this.#levelPeak, rms(chunk));
    const now = performance.now();
    if (now - this.#levelAt < (this.#options.levelIntervalMs ?? 100)) return;
    this.#levelAt = now;
    onLevel(levelPercent(this.#levelPeak));
    this.#levelPeak = 0;
  }

  /** Resolves when no more audio will arrive (stopped, limit, source ended or failed). */
  get ended(): Promise<void> {
    return this.#ended;
  }

  /** Stops the source, waits for the audio it still buffered, and returns all of it. */
  async stop(): Promise<Buffer> {
    if (this.#open) {
      await this.#detach(true);
      this.#close();
    }
    if (this.#failure) throw this.#failure;
    return Buffer.concat(this.#chunks);
  }

  /** Drops the audio: nothing will be transcribed. */
  cancel(): void {
    const wasOpen = this.#open;
    this.#close();
    this.#chunks = [];
    if (wasOpen) void this.#detach(false);
  }
}
