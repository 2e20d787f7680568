import type { TtsName } from "../config.ts";

/** Signed 16-bit little-endian PCM and its format. */
export interface PcmChunk {
  pcm: Buffer;
  rate: number;
  channels: number;
}

/** A speech synthesiser: text in, audio streamed out as it is made. */
export interface TtsBackend {
  readonly name: TtsName;
  synthesize(text: string, signal: AbortSignal): AsyncIterable<PcmChunk>;
}
