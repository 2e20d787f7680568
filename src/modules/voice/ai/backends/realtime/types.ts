import type { ClientOptions } from "ws";
import type { Listen, OpenPcmOut, StatusSink } from "../../ports.ts";
import type { ToolExecutor } from "../../tools/executor.ts";

/** The Realtime API's PCM: 24 kHz, mono, s16le; 48 bytes per millisecond. */
export const REALTIME_RATE = 24_000;
export const BYTES_PER_MS = (REALTIME_RATE * 2) / 1000;
/** The API refuses to commit less than this. */
export const MIN_COMMIT_MS = 100;

export interface RealtimeOptions {
  apiKey: string;
  baseURL?: string | undefined;
  model: string;
  voice: string;
  instructions: () => string;
  executor: ToolExecutor;
  /** The player for the answer's audio; a turn may bring its own. */
  openPcmOut?: OpenPcmOut | undefined;
  /** Keep the socket this long after a turn, for a quick next question; 0 closes at once. */
  keepOpenMs: number;
  wsOptions?: ClientOptions | undefined;
}

export interface RealtimeTurnOptions {
  signal: AbortSignal;
  /** Overrides the backend's player for this turn. */
  openPcmOut?: OpenPcmOut | undefined;
  status: StatusSink;
  listen?: Listen | undefined;
  followUpMs: number;
}

export interface RealtimeTurnResult {
  /** What the model said (the transcript of its audio). */
  answer: string;
  stop: "completed" | "cancelled" | "too_short" | string;
  toolCalls: number;
  /** Bytes of 24 kHz audio sent and played. */
  sentBytes: number;
  playedBytes: number;
  followUps: number;
}
