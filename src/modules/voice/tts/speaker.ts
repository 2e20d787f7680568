import { performance } from "node:perf_hooks";
import type { MicMute } from "../../../desktop/audio/mic-mute.ts";
import type { PcmFormat, PcmSink } from "../../../desktop/audio/playback.ts";
import { sentences } from "./sentences.ts";
import type { TtsBackend } from "./types.ts";

export interface SpeakOptions {
  signal?: AbortSignal;
  /** Where the audio goes; default: the speaker's player. `--out FILE.wav` passes a file sink. */
  openSink?: (format: PcmFormat) => Promise<PcmSink>;
  /** Speak with this backend instead of the configured one (`deskhub say --tts`). */
  backend?: TtsBackend;
}

export interface SpeakResult {
  backend: string;
  sentences: number;
  /** From the call to the first audio handed to the player, in ms. */
  firstAudioMs: number | undefined;
  interrupted: boolean;
}

export interface SpeakerDeps {
  tts: () => Promise<TtsBackend>;
  openSink: (format: PcmFormat) => Promise<PcmSink>;
  micMute?: MicMute;
  /** Status follows speech: "speaking" while true. */
  onSpeaking?: (speaking: boolean) => void;
}

/**
 * Speaks text sentence by sentence: each sentence is synthesized while the one before
 * plays, and text that is still streaming in (an AI answer) starts sounding after its
 * first sentence. The microphone is muted meanwhile; `interrupt` stops everything at once.
 */
export class Speaker {
  #deps: SpeakerDeps;
  #active = new Set<AbortController>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: SpeakerDeps) {
    this.#deps = deps;
  }

  get speaking(): boolean {
    return this.#active.size > 0;
  }

  /** Queued after any speech already running; resolves when this text has been spoken. */
  speak(text: string | AsyncIterable<string>, options: SpeakOptions = {}): Promise<SpeakResult> {
    const controller = new AbortController();
    this.#active.add(controller);
    if (options.signal) {
      if (options.signal.aborted) controller.abort();
      else options.signal.addEventListener("abort", () => controller.abort(), { once: true });
    }
    const run = this.#queue.then(() => this.#speak(text, options, controller));
    this.#queue = run.catch(() => {});
    return run.finally(() => this.#active.delete(controller));
  }

  /** Stops the speech playing now and drops what is queued. */
  interrupt(): boolean {
    const had = this.#active.size > 0;
    for (const controller of this.#active) controller.abort();
    return had;
  }

  async #speak(
    text: string | AsyncIterable<string>,
    options: SpeakOptions,
    controller: AbortController,
  ): Promise<SpeakResult> {
    const started = performance.now();
    const signal = controller.signal;
    const backend = options.backend ?? (await this.#deps.tts());
    const result: SpeakResult = {
      backend: backend.name,
      sentences: 0,
      firstAudioMs: undefined,
      interrupted: false,
    };
    if (signal.aborted) return { ...result, interrupted: true };
    const openSink = options.openSink ?? this.#deps.openSink;
    let sink: PcmSink | undefined;
    let format: PcmFormat | undefined;
    const stop = () => sink?.abort();
    signal.addEventListener("abort", stop, { once: true });
    const release = this.#deps.micMute ? await this.#deps.micMute.hold() : undefined;
    this.#deps.onSpeaking?.(true);
    try {
      for await (const sentence of sentences(text)) {
        if (signal.aborted) break;
        result.sentences++;
        for await (const chunk of backend.synthesize(sentence, signal)) {
          if (signal.aborted) break;
          if (sink && format && (format.rate !== chunk.rate || (format.channels ?? 1) !== chunk.channels)) {
            await sink.end();
            sink = undefined;
          }
          if (!sink) {
            format = { rate: chunk.rate, channels: chunk.channels };
            sink = await openSink(format);
            result.firstAudioMs ??= performance.now() - started;
          }
          await sink.write(chunk.pcm);
        }
      }
      if (signal.aborted) {
        sink?.abort();
        return { ...result, interrupted: true };
      }
      await sink?.end();
      return result;
    } catch (error) {
      sink?.abort();
      if (signal.aborted) return { ...result, interrupted: true };
      throw error;
    } finally {
      signal.removeEventListener("abort", stop);
      this.#deps.onSpeaking?.(false);
      await release?.();
    }
  }
}
