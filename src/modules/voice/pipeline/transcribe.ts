import { performance } from "node:perf_hooks";
import type { SttBackend } from "../stt/types.ts";
import type { Vocabulary } from "../vocabulary.ts";
import type { PreparedAudio } from "./audio.ts";

export interface Transcription {
  raw: string;
  backend: string;
  /** The recogniser's own time, for the dashboard and the overhead benchmark. */
  ms: number;
}

/** Stage 3: speech to text, with the vocabulary as prompt / hot words. */
export async function transcribe(
  audio: PreparedAudio,
  backend: SttBackend,
  options: { language: string; vocabulary: Vocabulary; signal?: AbortSignal },
): Promise<Transcription> {
  const started = performance.now();
  const raw = await backend.transcribe({
    pcm: audio.pcm,
    language: options.language,
    prompt: options.vocabulary.prompt,
    words: options.vocabulary.words,
    signal: options.signal,
  });
  return { raw: raw.trim(), backend: backend.name, ms: performance.now() - started };
}
