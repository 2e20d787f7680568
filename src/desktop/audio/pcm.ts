/**
 * The one audio format speech recognisers share: 16 kHz, mono, signed 16-bit little
 * endian. Everything the recorder captures is in it, so stages never negotiate.
 */
export const SPEECH_RATE = 16_000;
export const BYTES_PER_SAMPLE = 2;

export function durationMs(pcm: Uint8Array, rate = SPEECH_RATE): number {
  return (Math.floor(pcm.length / BYTES_PER_SAMPLE) / rate) * 1000;
}

export function bytesFor(ms: number, rate = SPEECH_RATE): number {
  return Math.floor((ms / 1000) * rate) * BYTES_PER_SAMPLE;
}

function view(pcm: Uint8Array): DataView {
  return new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

/** Root mean square of the samples, 0 (silence) to 1 (full scale). */
export function rms(pcm: Uint8Array, start = 0, end = pcm.length): number {
  const data = view(pcm);
  const last = Math.min(end, pcm.length) - 1;
  let sum = 0;
  let count = 0;
  for (let i = start - (start % 2); i < last; i += 2) {
    const sample = data.getInt16(i, true) / 32768;
    sum += sample * sample;
    count++;
  }
  return count === 0 ? 0 : Math.sqrt(sum / count);
}

/**
 * A level for a meter, 0-100, on a decibel scale from -60 dBFS: speech at a normal
 * distance sits in the upper half, room noise near the bottom, as in any VU meter.
 */
export function levelPercent(value: number): number {
  if (value <= 0) return 0;
  const db = 20 * Math.log10(value);
  return Math.max(0, Math.min(100, Math.round(((db + 60) / 60) * 100)));
}

export interface TrimOptions {
  /** RMS (0-1) under which a 20 ms frame counts as silence. */
  threshold: number;
  /** Silence kept before and after speech so that soft word edges survive. */
  padMs?: number;
  rate?: number;
}

const FRAME_MS = 20;

/** The frames (20 ms) whose RMS reaches the threshold: where someone spoke. */
export function voicedFrames(pcm: Uint8Array, threshold: number, rate = SPEECH_RATE): boolean[] {
  const frame = bytesFor(FRAME_MS, rate);
  const out: boolean[] = [];
  for (let offset = 0; offset < pcm.length; offset += frame)
    out.push(rms(pcm, offset, offset + frame) >= threshold);
  return out;
}

/**
 * Cuts leading and trailing silence; returns an empty buffer when nothing in the
 * recording reached the threshold, which is how a silent key press types nothing.
 */
export function trimSilence(pcm: Uint8Array, options: TrimOptions): Uint8Array {
  const rate = options.rate ?? SPEECH_RATE;
  const frames = voicedFrames(pcm, options.threshold, rate);
  const first = frames.indexOf(true);
  if (first < 0) return pcm.subarray(0, 0);
  const last = frames.lastIndexOf(true);
  const frame = bytesFor(FRAME_MS, rate);
  const pad = bytesFor(options.padMs ?? 200, rate);
  const start = Math.max(0, first * frame - pad);
  const end = Math.min(pcm.length, (last + 1) * frame + pad);
  return pcm.subarray(start, end);
}

/** Milliseconds of frames at or above the threshold: a click is not speech. */
export function voicedMs(pcm: Uint8Array, threshold: number, rate = SPEECH_RATE): number {
  return voicedFrames(pcm, threshold, rate).filter(Boolean).length * FRAME_MS;
}
