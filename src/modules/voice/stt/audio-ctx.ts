import { durationMs } from "../../../desktop/audio/pcm.ts";

/**
 * Whisper's encoder always works on 30 s (1500 frames of 20 ms). A 3 s clip padded to
 * 30 s spends 90 % of the encoder's time on silence; shrinking the audio context to
 * the clip (plus a margin, in steps of 64 frames) makes short dictation several times
 * faster. Too small a context makes Whisper repeat itself, hence the margin and floor.
 */
export function audioContextFor(pcm: Uint8Array): number {
  const frames = Math.ceil((durationMs(pcm) / 1000) * 50);
  const padded = (Math.ceil(frames / 64) + 1) * 64;
  return Math.min(1500, Math.max(256, padded));
}
