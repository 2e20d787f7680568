import type { Logger } from "../../../core/log.ts";
import type { PcmFormat, PcmSink } from "../../../desktop/audio/playback.ts";
import type { VoiceStatus } from "../status.ts";
import type { Speaker } from "../tts/speaker.ts";

/** What the push-to-talk key was held for: typing, or a question for the assistant. */
export type TurnKind = "dictation" | "ai";

export interface TurnContext {
  status: VoiceStatus;
  speaker: Speaker;
  /** Aborted by the interrupt key or `deskhub voice cancel`. */
  signal: AbortSignal;
  /** Hears a follow-up without the key (auto-listen); "" when nothing was said. */
  listen(maxMs: number, signal: AbortSignal): Promise<string>;
  /** A player for raw PCM (speech-to-speech backends that bring their own audio). */
  openSink(format: PcmFormat): Promise<PcmSink>;
  log: Logger;
}

/**
 * What happens to a transcript that is not dictation: the AI assistant (issue 6)
 * registers one for "ai". It speaks through `speaker`, shows progress through `status`
 * (processing, speaking, listening) and stops when `signal` aborts.
 */
export interface TurnHandler {
  handle(transcript: string, context: TurnContext): Promise<void>;
  /**
   * Speech-to-speech backends (OpenAI Realtime) hear the recording itself rather than
   * its transcript: called at key press, the turn gets the audio as it is captured.
   * Returns undefined when the handler answers from the transcript.
   */
  stream?(): StreamingTurn | undefined;
}

/** A turn that is fed the captured audio (16 kHz mono s16le) while the key is held. */
export interface StreamingTurn {
  append(pcm: Buffer): void;
  /** The recording was silent, cancelled, or turned into dictation: nothing is asked. */
  discard(): Promise<void>;
  /** Key released: the question is complete; resolves when the answer is over. */
  finish(options: { signal: AbortSignal }): Promise<unknown>;
}

export interface TurnResult {
  kind: TurnKind;
  /** The text typed or handed on; "" when nothing was. */
  text: string;
  raw: string;
  backend: string | undefined;
  sttMs: number | undefined;
  outcome: "typed" | "handled" | "silent" | "empty" | "cancelled" | "error";
  error?: string;
}
