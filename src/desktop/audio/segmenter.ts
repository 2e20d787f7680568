import { bytesFor, rms } from "./pcm.ts";

export interface SegmenterOptions {
  /** RMS (0-1) from which a 20 ms frame counts as speech. */
  threshold: number;
  /** This much silence after speech ends an utterance. */
  silenceMs?: number;
  /** Utterances with less speech than this (a cough, a click) are dropped. */
  minSpeechMs?: number;
  /** Audio kept from before speech began, so the first syllable is not clipped. */
  preRollMs?: number;
  /** An utterance longer than this is cut, so a noisy room still yields text. */
  maxMs?: number;
}

const FRAME_MS = 20;

/**
 * Splits a continuous stream into utterances by energy, the way `listen` hears one
 * sentence at a time: speech, then `silenceMs` of quiet, ends an utterance.
 */
export class UtteranceSegmenter {
  #frameBytes = bytesFor(FRAME_MS);
  #threshold: number;
  #silenceFrames: number;
  #minSpeechFrames: number;
  #preRollFrames: number;
  #maxFrames: number;
  #carry = Buffer.alloc(0);
  #frames: Buffer[] = [];
  #inSpeech = false;
  #speechFrames = 0;
  #quietFrames = 0;

  constructor(options: SegmenterOptions) {
    this.#threshold = options.threshold;
    this.#silenceFrames = Math.ceil((options.silenceMs ?? 800) / FRAME_MS);
    this.#minSpeechFrames = Math.ceil((options.minSpeechMs ?? 200) / FRAME_MS);
    this.#preRollFrames = Math.ceil((options.preRollMs ?? 300) / FRAME_MS);
    this.#maxFrames = Math.ceil((options.maxMs ?? 60_000) / FRAME_MS);
  }

  /** Feeds audio; returns the utterances it completed. */
  push(chunk: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    let data = Buffer.concat([this.#carry, chunk]);
    while (data.length >= this.#frameBytes) {
      const frame = data.subarray(0, this.#frameBytes);
      data = data.subarray(this.#frameBytes);
      const done = this.#frame(Buffer.from(frame));
      if (done) out.push(done);
    }
    this.#carry = Buffer.from(data);
    return out;
  }

  /** The end of the stream: an utterance in progress is complete. */
  flush(): Buffer | undefined {
    if (this.#carry.length) this.#frames.push(this.#carry);
    this.#carry = Buffer.alloc(0);
    return this.#inSpeech ? this.#emit() : undefined;
  }

  #frame(frame: Buffer): Buffer | undefined {
    const voiced = rms(frame) >= this.#threshold;
    this.#frames.push(frame);
    if (!this.#inSpeech) {
      if (voiced) {
        this.#inSpeech = true;
        this.#speechFrames = 1;
        this.#quietFrames = 0;
      } else if (this.#frames.length > this.#preRollFrames) {
        this.#frames.shift();
      }
      return undefined;
    }
    if (voiced) {
      this.#speechFrames++;
      this.#quietFrames = 0;
    } else {
      this.#quietFrames++;
    }
    if (this.#quietFrames >= this.#silenceFrames || this.#frames.length >= this.#maxFrames)
      return this.#emit();
    return undefined;
  }

  #emit(): Buffer | undefined {
    const enough = this.#speechFrames >= this.#minSpeechFrames;
    const audio = Buffer.concat(this.#frames);
    this.#frames = [];
    this.#inSpeech = false;
    this.#speechFrames = 0;
    this.#quietFrames = 0;
    return enough ? audio : undefined;
  }
}
