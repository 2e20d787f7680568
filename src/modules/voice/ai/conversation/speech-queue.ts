import type { SpeechOut } from "../ports.ts";

/** An async iterable fed by push(): the sentences of one answer for a streaming speaker. */
class SentenceChannel implements AsyncIterable<string> {
  #items: string[] = [];
  #closed = false;
  #wake: (() => void) | undefined;
  /** True while the consumer waits for a sentence that has not come yet. */
  waiting = false;
  #onWaiting: (waiting: boolean) => void;

  constructor(onWaiting: (waiting: boolean) => void) {
    this.#onWaiting = onWaiting;
  }

  push(item: string): void {
    this.#items.push(item);
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.#closed) return;
      this.waiting = true;
      this.#onWaiting(true);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
      this.waiting = false;
      if (this.#items.length) this.#onWaiting(false);
    }
  }
}

/**
 * Speaks sentences in order as they are added, while the answer is still being written.
 * With a streaming speaker (SpeechOut.stream) one answer is one stream, so the player
 * runs once and sentences follow each other without a gap; otherwise each sentence is
 * spoken on its own. `onSpeaking(false)` fires when everything added has been taken,
 * so the status can go back to processing while the model calls a tool.
 */
export class SpeechQueue {
  #speech: SpeechOut;
  #signal: AbortSignal;
  #onSpeaking: (speaking: boolean) => void;
  #pending: string[] = [];
  #running: Promise<void> | undefined;
  #channel: SentenceChannel | undefined;
  #error: unknown;
  #firstAt: number | undefined;

  constructor(speech: SpeechOut, signal: AbortSignal, onSpeaking: (speaking: boolean) => void) {
    this.#speech = speech;
    this.#signal = signal;
    this.#onSpeaking = onSpeaking;
  }

  /** Whether something added is still waiting to be spoken. */
  get busy(): boolean {
    if (this.#channel) return !this.#channel.waiting;
    return this.#running !== undefined;
  }

  /** performance.now() when the first sentence was handed to speech. */
  get firstAt(): number | undefined {
    return this.#firstAt;
  }

  add(sentence: string): void {
    if (this.#signal.aborted || this.#error !== undefined) return;
    this.#firstAt ??= performance.now();
    const stream = this.#speech.stream;
    if (stream) {
      if (!this.#channel) {
        const channel = new SentenceChannel((waiting) => this.#onSpeaking(!waiting));
        this.#channel = channel;
        this.#onSpeaking(true);
        this.#running = stream
          .call(this.#speech, channel, this.#signal)
          .catch((error: unknown) => {
            if (!this.#signal.aborted) this.#error = error;
          })
          .finally(() => this.#onSpeaking(false));
      }
      this.#channel.push(sentence);
      return;
    }
    this.#pending.push(sentence);
    this.#running ??= this.#loop();
  }

  async #loop(): Promise<void> {
    this.#onSpeaking(true);
    try {
      while (this.#pending.length && !this.#signal.aborted) {
        await this.#speech.speak(this.#pending.shift()!, this.#signal);
      }
    } catch (error) {
      if (!this.#signal.aborted) this.#error = error;
    } finally {
      this.#running = undefined;
      this.#onSpeaking(false);
    }
  }

  /** Waits until everything added has been spoken; a speech failure surfaces here. */
  async drain(): Promise<void> {
    this.#channel?.close();
    while (this.#running) {
      const running = this.#running;
      await running;
      if (this.#running === running) break;
    }
    if (this.#error !== undefined) throw this.#error;
  }
}
