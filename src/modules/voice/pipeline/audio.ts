import { durationMs, trimSilence, voicedMs } from "../../../desktop/audio/pcm.ts";

export interface PreparedAudio {
  pcm: Buffer;
  /** Milliseconds of speech (frames above the threshold). */
  voicedMs: number;
  durationMs: number;
}

/**
 * Stage 2: the recording trimmed of leading and trailing silence. A recording with
 * less speech than `minSpeechMs` is no dictation (a tap of the key, a cough): it
 * returns undefined and nothing is transcribed or typed.
 */
export function prepareAudio(
  pcm: Buffer,
  options: { threshold: number; minSpeechMs: number; trim: boolean },
): PreparedAudio | undefined {
  const voiced = voicedMs(pcm, options.threshold);
  if (pcm.length === 0 || voiced < options.minSpeechMs) return undefined;
  const audio = options.trim ? Buffer.from(trimSilence(pcm, { threshold: options.threshold })) : pcm;
  return { pcm: audio, voicedMs: voiced, durationMs: durationMs(audio) };
}
