import { errorMessage } from "../../../../core/errors.ts";
import type { TextBackend } from "../backends/types.ts";
import type { Listen, SpeechOut, StatusSink } from "../ports.ts";
import { SentenceStream } from "./sentences.ts";
import { SpeechQueue } from "./speech-queue.ts";

export interface TurnRecord {
  question: string;
  answer: string;
  /** How the answer ended (end_turn, cancelled, ...). */
  stop: string;
  toolCalls: number;
  /** From the question to the first sentence handed to speech, in ms. */
  firstSpeechMs: number | undefined;
  ms: number;
  /** True for a question heard without the key, after an answer that asked one. */
  followUp: boolean;
}

export interface ConverseOptions {
  backend: TextBackend;
  speech: SpeechOut;
  status: StatusSink;
  listen?: Listen | undefined;
  /** How long to listen for a follow-up after an answer that ends in a question; 0 = never. */
  followUpMs: number;
  flushMs: number;
  signal: AbortSignal;
  /** Each finished turn, for the transcript history. */
  onTurn?: (turn: TurnRecord) => void;
}

/** Follow-ups in a row without the key, so a chatty exchange cannot keep the mic open for ever. */
const MAX_FOLLOW_UPS = 5;

export function endsWithQuestion(text: string): boolean {
  return /\?["'”’)\]]*$/.test(text.trim());
}

/**
 * One spoken exchange: the question goes to the backend, the answer is spoken sentence
 * by sentence as it streams, and when it ends in a question deskhub listens (without
 * the key) for the reply and goes round again. The status follows along: processing,
 * speaking, listening, idle. Aborting `signal` stops the answer and the speech at once.
 */
export async function converse(question: string, options: ConverseOptions): Promise<TurnRecord[]> {
  const turns: TurnRecord[] = [];
  let next = question;
  let followUp = false;
  try {
    for (let round = 0; round <= MAX_FOLLOW_UPS; round++) {
      const turn = await answer(next, followUp, options);
      turns.push(turn);
      options.onTurn?.(turn);
      if (options.signal.aborted || turn.stop === "cancelled") break;
      if (
        !options.listen ||
        options.followUpMs <= 0 ||
        !endsWithQuestion(turn.answer) ||
        round === MAX_FOLLOW_UPS
      )
        break;
      options.status("listening");
      const heard = (await options.listen(options.followUpMs, options.signal)).trim();
      if (!heard || options.signal.aborted) break;
      next = heard;
      followUp = true;
    }
  } catch (error) {
    if (!options.signal.aborted) {
      options.status("error", errorMessage(error));
      throw error;
    }
  }
  options.status("idle");
  return turns;
}

async function answer(question: string, followUp: boolean, options: ConverseOptions): Promise<TurnRecord> {
  const started = performance.now();
  const { status, signal } = options;
  status("processing");
  let answering = true;
  // Between two sentences the status stays "speaking"; it goes back to "processing"
  // only while the model is busy with a tool and nothing is left to say.
  let inTool = false;
  const working = () => {
    if (!signal.aborted && answering && inTool && !queue.busy) status("processing");
  };
  const queue = new SpeechQueue(options.speech, signal, (speaking) => {
    if (signal.aborted) return;
    if (speaking) status("speaking");
    else working();
  });
  const sentences = new SentenceStream((sentence) => queue.add(sentence), { flushMs: options.flushMs });
  try {
    const result = await options.backend.ask(question, {
      text: (delta) => {
        inTool = false;
        sentences.push(delta);
      },
      blockEnd: () => sentences.flush(),
      toolCall: () => {
        inTool = true;
        sentences.flush();
        working();
      },
      signal,
    });
    answering = false;
    sentences.flush();
    await queue.drain();
    return {
      question,
      answer: result.text,
      stop: signal.aborted ? "cancelled" : result.stop,
      toolCalls: result.toolCalls,
      firstSpeechMs: queue.firstAt === undefined ? undefined : Math.round(queue.firstAt - started),
      ms: Math.round(performance.now() - started),
      followUp,
    };
  } finally {
    answering = false;
    sentences.close();
  }
}
