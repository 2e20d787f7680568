/**
 * What the assistant needs from the voice pipeline, as narrow interfaces: the voice
 * module implements each in a few lines with its Speaker, recorder, STT and status.
 */

/** The `voice.status` states the assistant moves through. */
export type AiStatus = "listening" | "processing" | "speaking" | "idle" | "error";

/** Receives every status change of a turn (wire to VoiceStatus.set(state, { mode: "ai", message })). */
export type StatusSink = (status: AiStatus, message?: string) => void;

/** Speaks the answer; resolves when it has been played, or at once when `signal` aborts. */
export interface SpeechOut {
  /** One sentence (also used for spoken confirmations). */
  speak(sentence: string, signal: AbortSignal): Promise<void>;
  /**
   * Optional: all sentences of one answer as they come, through one player, with no gap
   * between them. When present the assistant uses it for answers.
   */
  stream?(sentences: AsyncIterable<string>, signal: AbortSignal): Promise<void>;
}

/**
 * Records without the key for up to `maxMs` (stopping early at the end of speech) and
 * returns the transcript; "" when nothing was said.
 */
export type Listen = (maxMs: number, signal: AbortSignal) => Promise<string>;

/** Signed 16-bit little-endian PCM; structurally the same as desktop/audio/playback's PcmSink. */
export interface PcmOut {
  write(pcm: Buffer): Promise<void>;
  /** No more audio: resolves when it has been played. */
  end(): Promise<void>;
  /** Stops at once, dropping what is queued. */
  abort(): void;
}

/** Opens a player (or a file) for PCM in this format; the Realtime backend plays 24 kHz mono. */
export type OpenPcmOut = (format: { rate: number; channels: number }) => Promise<PcmOut>;

export interface ConfirmRequest {
  tool: string;
  /** One line: what will happen, e.g. `run: git push`. */
  summary: string;
  /** The arguments, readable. */
  detail: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Asks the person; anything but an explicit approval within the timeout is no. */
export type Confirm = (request: ConfirmRequest) => Promise<"approve" | "deny" | "timeout">;
