import type { SttName } from "../config.ts";

export interface SttRequest {
  /** 16 kHz mono s16le. */
  pcm: Buffer;
  language: string;
  /** The vocabulary as one prompt text (Whisper's initial prompt). */
  prompt?: string;
  /** The vocabulary as separate words (engines with hot words). */
  words: readonly string[];
  signal?: AbortSignal;
}

/** A speech recogniser: audio in, text out. */
export interface SttBackend {
  readonly name: SttName;
  transcribe(request: SttRequest): Promise<string>;
}
