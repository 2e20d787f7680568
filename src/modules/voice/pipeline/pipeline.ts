import { performance } from "node:perf_hooks";
import { errorMessage, errorWithHint } from "../../../core/errors.ts";
import type { Logger } from "../../../core/log.ts";
import type { PcmFormat, PcmSink } from "../../../desktop/audio/playback.ts";
import type { Recording } from "../../../desktop/audio/recording.ts";
import { UtteranceSegmenter } from "../../../desktop/audio/segmenter.ts";
import type { Typer } from "../../../desktop/type/typer.ts";
import type { VoiceState, VoiceStatus } from "../status.ts";
import type { SttBackend } from "../stt/types.ts";
import type { Speaker } from "../tts/speaker.ts";
import type { Vocabulary } from "../vocabulary.ts";
import { prepareAudio } from "./audio.ts";
import { cleanTranscript } from "./clean.ts";
import { deliver } from "./deliver.ts";
import type { RecordStage } from "./record.ts";
import { transcribe } from "./transcribe.ts";
import type { StreamingTurn, TurnHandler, TurnKind, TurnResult } from "./turn.ts";

/** What the pipeline reads from config at each turn, so settings apply without a restart. */
export interface TurnSettings {
  language: string;
  maxMs: number;
  silenceThreshold: number;
  minSpeechMs: number;
  trimSilence: boolean;
  hallucinations: readonly string[];
  replacements: Readonly<Record<string, string>>;
  trailingSpace: boolean;
}

export interface PipelineDeps {
  record: RecordStage;
  stt: () => Promise<SttBackend>;
  vocabulary: () => Promise<Vocabulary>;
  typer: () => Promise<Typer>;
  status: VoiceStatus;
  speaker: Speaker;
  settings: () => TurnSettings;
  handlers?: Partial<Record<Exclude<TurnKind, "dictation">, TurnHandler>>;
  /** A player for raw PCM, handed to turn handlers. */
  openSink: (format: PcmFormat) => Promise<PcmSink>;
  /** Resolves when the trigger keys are up (evdev knows; other triggers resolve at once). */
  keysReleased?: () => Promise<void>;
  log: Logger;
  /** Timings of the last turn, for the overhead benchmark. */
  onTimings?: (timings: TurnTimings) => void;
  /** Milliseconds from `start` to the first captured sample, for the latency benchmark. */
  onFirstSample?: (ms: number) => void;
}

export interface TurnTimings {
  /** Key release to recording stopped (capture flushed). */
  stopMs: number;
  prepareMs: number;
  sttMs: number;
  /** Key release until the text is ready to type. */
  readyMs: number;
}

export interface StartResult {
  started: boolean;
  state: string;
  kind?: TurnKind;
}

/**
 * The push-to-talk pipeline: record, prepare, transcribe, clean, then type (or hand
 * the transcript to a turn handler). One recording at a time; turns finish in order,
 * so two quick dictations are typed in the order they were spoken.
 */
export class VoicePipeline {
  #deps: PipelineDeps;
  #recording: { recording: Recording; kind: TurnKind; streaming?: StreamingTurn } | undefined;
  #turns: Promise<unknown> = Promise.resolve();
  /** Turns being worked on, by the kind of turn: a new key press stops an answer, not a dictation. */
  #inFlight = new Map<AbortController, TurnKind>();

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
  }

  get recording(): boolean {
    return this.#recording !== undefined;
  }

  start(kind: TurnKind = "dictation"): StartResult {
    if (this.#recording) return { started: false, state: "recording", kind: this.#recording.kind };
    const pressed = performance.now();
    const { status, speaker } = this.#deps;
    // Pressing the key while deskhub talks means "stop talking, listen to me": the answer
    // stops too, not only its sound (and a follow-up it listens for gives way to this one).
    speaker.interrupt();
    for (const [controller, turn] of this.#inFlight) if (turn !== "dictation") controller.abort();
    const settings = this.#deps.settings();
    const streaming = kind === "dictation" ? undefined : this.#deps.handlers?.[kind]?.stream?.();
    let recording: Recording;
    try {
      recording = this.#deps.record.begin({
        maxMs: settings.maxMs,
        onLevel: (level) => status.level(level),
        ...(streaming ? { onChunk: (chunk: Buffer) => streaming.append(chunk) } : {}),
      });
    } catch (error) {
      void streaming?.discard();
      status.set("error", { message: errorMessage(error) });
      throw error;
    }
    this.#recording = { recording, kind, streaming };
    const firstSample = () => {
      const ms = (recording.firstSampleAt ?? performance.now()) - pressed;
      this.#deps.log.debug({ ms: Math.round(ms) }, "first sample captured");
      this.#deps.onFirstSample?.(ms);
    };
    if (recording.firstSampleAt !== undefined) firstSample();
    else recording.once("sample", firstSample);
    recording.on("limit", () => {
      this.#deps.log.info({ maxMs: settings.maxMs }, "recording reached its maximum length");
      void this.stop();
    });
    recording.on("error", (error) => {
      if (this.#recording?.recording !== recording) return;
      this.#recording = undefined;
      void streaming?.discard();
      this.#deps.log.warn({ err: error }, "recording failed");
      status.set("error", { message: error.message, mode: kind });
    });
    status.set("recording", { mode: kind });
    return { started: true, state: "recording", kind };
  }

  /**
   * Stops recording; resolves when the turn is complete (typed, handled or dropped).
   * `kind` overrides the kind the recording started with (the AI key pressed later).
   */
  stop(kind?: TurnKind): Promise<TurnResult> {
    const current = this.#recording && { ...this.#recording, kind: kind ?? this.#recording.kind };
    if (!current) {
      return Promise.resolve({
        kind: "dictation",
        text: "",
        raw: "",
        backend: undefined,
        sttMs: undefined,
        outcome: "empty",
      });
    }
    this.#recording = undefined;
    const released = performance.now();
    this.#deps.status.set("processing", { mode: current.kind });
    const controller = new AbortController();
    this.#inFlight.set(controller, current.kind);
    const pcm = current.recording.stop();
    // Awaited in turn order; marked handled now so an early failure is not "unhandled".
    pcm.catch(() => {});
    // Audio streamed to a speech-to-speech turn is only its question if the key stayed an AI key.
    const streaming = current.streaming && current.kind !== "dictation" ? current.streaming : undefined;
    if (current.streaming && !streaming) void current.streaming.discard();
    const turn = this.#turns.then(() => this.#process(current.kind, pcm, released, controller, streaming));
    this.#turns = turn.catch(() => {});
    return turn.finally(() => this.#inFlight.delete(controller));
  }

  toggle(kind: TurnKind = "dictation"): StartResult | Promise<TurnResult> {
    return this.#recording ? this.stop() : this.start(kind);
  }

  /** Drops the recording (nothing is transcribed) and abandons turns still in progress. */
  cancel(): boolean {
    const had = this.#recording !== undefined || this.#inFlight.size > 0;
    this.#recording?.recording.cancel();
    void this.#recording?.streaming?.discard();
    this.#recording = undefined;
    for (const controller of this.#inFlight.keys()) controller.abort();
    this.#deps.status.level(0);
    if (had) this.#deps.status.set("idle");
    return had;
  }

  /** The interrupt key: silence deskhub, and cancel whatever was being recorded or worked on. */
  interrupt(): { speech: boolean; turn: boolean } {
    const speech = this.#deps.speaker.interrupt();
    return { speech, turn: this.cancel() };
  }

  async #process(
    kind: TurnKind,
    recorded: Promise<Buffer>,
    released: number,
    controller: AbortController,
    streaming?: StreamingTurn,
  ): Promise<TurnResult> {
    const { status, log } = this.#deps;
    const signal = controller.signal;
    const result: TurnResult = {
      kind,
      text: "",
      raw: "",
      backend: undefined,
      sttMs: undefined,
      outcome: "empty",
    };
    try {
      const pcm = await recorded;
      const stopped = performance.now();
      const settings = this.#deps.settings();
      const audio = prepareAudio(pcm, {
        threshold: settings.silenceThreshold,
        minSpeechMs: settings.minSpeechMs,
        trim: settings.trimSilence,
      });
      const prepared = performance.now();
      if (!audio) {
        await streaming?.discard();
        this.#settle("idle");
        return { ...result, outcome: "silent" };
      }
      if (streaming) {
        await streaming.finish({ signal });
        if (signal.aborted) return { ...result, outcome: "cancelled" };
        if (status.state !== "error" && status.state !== "listening") this.#settle("idle");
        return { ...result, outcome: "handled" };
      }
      const [backend, vocabulary] = await Promise.all([this.#deps.stt(), this.#deps.vocabulary()]);
      const transcription = await transcribe(audio, backend, {
        language: settings.language,
        vocabulary,
        signal,
      });
      if (signal.aborted) return { ...result, outcome: "cancelled" };
      const text = cleanTranscript(transcription.raw, {
        voicedMs: audio.voicedMs,
        extra: settings.hallucinations,
        replacements: settings.replacements,
      });
      this.#deps.onTimings?.({
        stopMs: stopped - released,
        prepareMs: prepared - stopped,
        sttMs: transcription.ms,
        readyMs: performance.now() - released,
      });
      Object.assign(result, {
        raw: transcription.raw,
        backend: transcription.backend,
        sttMs: transcription.ms,
      });
      log.debug(
        { raw: transcription.raw, text, backend: backend.name, ms: Math.round(transcription.ms) },
        "transcribed",
      );
      if (!text) {
        this.#settle("idle");
        return { ...result, outcome: "empty" };
      }
      status.transcript({
        text,
        at: new Date().toISOString(),
        backend: transcription.backend,
        mode: kind,
        ms: Math.round(transcription.ms),
      });
      if (kind === "dictation") {
        await deliver(text, await this.#deps.typer(), {
          trailingSpace: settings.trailingSpace,
          keysReleased: this.#deps.keysReleased,
        });
        this.#settle("success", { mode: kind });
        return { ...result, text, outcome: "typed" };
      }
      const handler = this.#deps.handlers?.[kind];
      if (!handler) {
        const message = "the AI assistant could not start (deskhub logs says why); the text was not typed";
        this.#settle("error", { message, mode: kind });
        return { ...result, text, outcome: "error", error: message };
      }
      await handler.handle(text, {
        status,
        speaker: this.#deps.speaker,
        signal,
        listen: (maxMs, listenSignal) => this.listen(maxMs, listenSignal),
        openSink: this.#deps.openSink,
        log,
      });
      if (signal.aborted) return { ...result, text, outcome: "cancelled" };
      if (status.state !== "error" && status.state !== "listening") this.#settle("idle");
      return { ...result, text, outcome: "handled" };
    } catch (error) {
      if (signal.aborted) return { ...result, outcome: "cancelled" };
      log.warn({ err: error }, "voice turn failed");
      this.#settle("error", { message: errorWithHint(error), mode: kind });
      return { ...result, outcome: "error", error: errorWithHint(error) };
    }
  }

  /**
   * Listens without the key (the assistant's follow-up after a question): records for
   * up to `maxMs`, ends at the first pause after speech, and returns the cleaned
   * transcript, "" when nothing was said. Status shows "listening" meanwhile.
   */
  async listen(maxMs: number, signal?: AbortSignal): Promise<string> {
    if (this.#recording) return "";
    const { status } = this.#deps;
    const settings = this.#deps.settings();
    let utterance: Buffer | undefined;
    const segmenter = new UtteranceSegmenter({ threshold: settings.silenceThreshold, silenceMs: 700, maxMs });
    let recording: Recording | undefined;
    recording = this.#deps.record.begin({
      maxMs,
      onLevel: (level) => status.level(level),
      onChunk: (chunk) => {
        if (utterance) return;
        utterance = segmenter.push(chunk)[0];
        // A warm capture hands over its pre-roll inside begin(), before `recording` is set.
        if (utterance) recording?.cancel();
      },
    });
    if (utterance) recording.cancel();
    const abort = () => recording.cancel();
    signal?.addEventListener("abort", abort, { once: true });
    status.set("listening", { mode: "ai" });
    let text = "";
    try {
      await recording.ended;
      await recording.stop().catch(() => Buffer.alloc(0));
      utterance ??= segmenter.flush();
      if (!utterance || signal?.aborted) return text;
      const audio = prepareAudio(utterance, {
        threshold: settings.silenceThreshold,
        minSpeechMs: settings.minSpeechMs,
        trim: settings.trimSilence,
      });
      if (!audio) return text;
      this.#settle("processing", { mode: "ai" });
      const [backend, vocabulary] = await Promise.all([this.#deps.stt(), this.#deps.vocabulary()]);
      const { raw } = await transcribe(audio, backend, { language: settings.language, vocabulary, signal });
      text = cleanTranscript(raw, {
        voicedMs: audio.voicedMs,
        extra: settings.hallucinations,
        replacements: settings.replacements,
      });
      return text;
    } finally {
      signal?.removeEventListener("abort", abort);
      status.level(0);
      // Nothing heard ends the conversation; a transcript leaves "processing" to the caller.
      if (!text) this.#settle("idle");
    }
  }

  /**
   * The status at the end of a turn (or of a step in it). A turn finishing while the next
   * recording runs, a dictation typed or an answer stopped by the key, leaves the
   * indicator showing that recording.
   */
  #settle(state: VoiceState, attributes: { mode?: TurnKind; message?: string } = {}): void {
    if (!this.#recording) this.#deps.status.set(state, attributes);
  }

  /** Waits for turns in progress (shutdown). */
  async drain(): Promise<void> {
    await this.#turns;
  }
}
