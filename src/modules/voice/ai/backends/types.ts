import type { AiMode } from "../config.ts";

/** Whether a backend can run here, and if not, exactly what is missing and how to fix it. */
export type Availability =
  | { available: true; detail: string }
  | { available: false; missing: string; how: string };

/** Where a text backend sends its answer while it streams. */
export interface AnswerSink {
  /** A piece of the answer's text, as soon as it arrives. */
  text(delta: string): void;
  /** A block of text ended (a tool call comes next, or the answer is over). */
  blockEnd(): void;
  /** The model is calling a tool: the answer pauses (status goes back to processing). */
  toolCall?(name: string): void;
  signal: AbortSignal;
}

export interface AnswerResult {
  /** The whole answer as text. */
  text: string;
  /** How the answer ended: end_turn, max_tokens, tool_rounds, cancelled, ... */
  stop: string;
  /** Tool calls made while answering. */
  toolCalls: number;
}

/** A backend that answers a text question with streamed text (Claude CLI, Anthropic Messages API). */
export interface TextBackend {
  readonly mode: Exclude<AiMode, "realtime">;
  ask(question: string, sink: AnswerSink): Promise<AnswerResult>;
  /** Forgets the conversation so far. */
  reset(): void;
}
