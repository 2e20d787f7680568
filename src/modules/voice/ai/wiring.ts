import type { Assistant } from "./assistant.ts";
import type { AiStatus, Listen, OpenPcmOut, SpeechOut, StatusSink } from "./ports.ts";

/**
 * Adapters from the voice pipeline's parts to the assistant's ports, typed by shape so
 * this library does not depend on the pipeline's files: the voice module's Speaker,
 * VoiceStatus and TurnHandler fit them as they are.
 */

/** Anything that speaks text, or a stream of text, and stops at a signal (tts/speaker.ts's Speaker). */
export interface SpeakerLike {
  speak(text: string | AsyncIterable<string>, options: { signal?: AbortSignal }): Promise<unknown>;
}

/** Anything that shows a status word (status.ts's VoiceStatus). */
export interface StatusLike {
  set(state: AiStatus, attributes: { mode?: "ai"; message?: string }): void;
}

/**
 * One answer becomes one `speaker.speak(stream)`: one player process, no gaps, and the
 * speaker's own status hook sees one stretch of speech instead of one per sentence.
 * Each sentence is followed by a blank line, which the Speaker's own splitter takes as
 * the end of a sentence, so nothing waits for the next sentence to begin.
 */
export function speechPort(speaker: SpeakerLike): SpeechOut {
  return {
    async speak(sentence, signal) {
      await speaker.speak(sentence, { signal });
    },
    async stream(sentences, signal) {
      async function* separated() {
        for await (const sentence of sentences) yield `${sentence}\n\n`;
      }
      await speaker.speak(separated(), { signal });
    },
  };
}

export function statusPort(status: StatusLike): StatusSink {
  return (state, message) => status.set(state, { mode: "ai", ...(message ? { message } : {}) });
}

/** What the pipeline hands a turn handler (pipeline/turn.ts's TurnContext), as far as the assistant uses it. */
export interface TurnContextLike {
  signal: AbortSignal;
  listen: Listen;
  openSink: OpenPcmOut;
}

/**
 * The pipeline's handler for "ai" turns (pipeline/turn.ts's TurnHandler): the transcript
 * is the question; follow-ups are heard and Realtime audio is played through the turn's own
 * listen and openSink.
 */
export function aiTurnHandler(assistant: Assistant): {
  handle(transcript: string, context: TurnContextLike): Promise<void>;
} {
  return {
    async handle(transcript, context) {
      await assistant.ask(transcript, {
        signal: context.signal,
        listen: context.listen,
        openPcmOut: context.openSink,
      });
    },
  };
}
