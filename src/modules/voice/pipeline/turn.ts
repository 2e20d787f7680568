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
