import { ExitCode, UserError } from "../../../core/errors.ts";
import type { CliApp } from "../../../core/module.ts";
import { readSpeechFile } from "../../../desktop/audio/decode.ts";
import { startRecording } from "../../../desktop/audio/recorder.ts";
import { UtteranceSegmenter } from "../../../desktop/audio/segmenter.ts";
import { STT_BACKENDS, type SttName, type VoiceConfig } from "../config.ts";
import { prepareAudio } from "../pipeline/audio.ts";
import { cleanTranscript } from "../pipeline/clean.ts";
import { captureSource } from "../pipeline/record.ts";
import { transcribe } from "../pipeline/transcribe.ts";
import { createStt } from "../stt/select.ts";
import { loadVocabulary, vocabularyPath } from "../vocabulary.ts";

export interface ListenOptions {
  once?: boolean;
  input?: string;
  stt?: string;
  maxSeconds?: number;
  json?: boolean;
}

export function parseSttOption(value: string | undefined, fallback: VoiceConfig["stt"]): "auto" | SttName {
  if (value === undefined) return fallback;
  if (!(STT_BACKENDS as readonly string[]).includes(value)) {
    throw new UserError(`unknown speech recogniser "${value}"`, {
      code: ExitCode.usage,
      hint: `use one of ${STT_BACKENDS.join(", ")}`,
    });
  }
  return value as "auto" | SttName;
}

/**
 * `deskhub voice listen`: the dictation pipeline with stdout as the typing target, for
 * scripts. Runs in this process; no daemon needed.
 */
export async function runListen(app: CliApp<VoiceConfig>, options: ListenOptions): Promise<void> {
  const { ctx, config } = await app.load();
  const choice = parseSttOption(options.stt, config.stt);
  const backend = await createStt(choice, { config, secrets: ctx.secrets, env: ctx.env, paths: ctx.paths });
  const vocabulary = await loadVocabulary(vocabularyPath(config.vocabulary_file, ctx.paths));
  const threshold = config.recording.silence_threshold;

  let printed = 0;
  const handle = async (pcm: Buffer) => {
    const audio = prepareAudio(pcm, {
      threshold,
      minSpeechMs: config.recording.min_speech_ms,
      trim: config.recording.trim_silence,
    });
    if (!audio) return;
    const result = await transcribe(audio, backend, { language: config.language, vocabulary });
    const text = cleanTranscript(result.raw, {
      voicedMs: audio.voicedMs,
      extra: config.hallucinations,
      replacements: config.replacements,
    });
    if (!text) return;
    printed++;
    if (options.json) {
      app.output.json({
        text,
        raw: result.raw,
        backend: result.backend,
        stt_ms: Math.round(result.ms),
        duration_ms: Math.round(audio.durationMs),
      });
    } else {
      app.output.line(text);
    }
  };

  if (options.input !== undefined) {
    const pcm = await readSpeechFile(options.input, ctx.env);
    if (options.once) {
      await handle(pcm);
    } else {
      const segmenter = new UtteranceSegmenter({
        threshold,
        maxMs: (options.maxSeconds ?? config.recording.max_seconds) * 1000,
      });
      for (const utterance of [...segmenter.push(pcm), segmenter.flush()])
        if (utterance) await handle(utterance);
    }
  } else {
    await listenLive(config, ctx.env, options, handle);
  }
  if (printed === 0 && options.json) app.output.json({ text: "", outcome: "silent" });
}

/** From the microphone: utterances are cut at pauses and transcribed one after another. */
async function listenLive(
  config: VoiceConfig,
  env: NodeJS.ProcessEnv,
  options: ListenOptions,
  handle: (pcm: Buffer) => Promise<void>,
): Promise<void> {
  const maxMs = (options.maxSeconds ?? config.recording.max_seconds) * 1000;
  const segmenter = new UtteranceSegmenter({ threshold: config.recording.silence_threshold, maxMs });
  let queue = Promise.resolve();
  let done = false;
  const recording = startRecording(await captureSource(config, env), {
    maxMs: options.once ? maxMs : undefined,
    keepAudio: false,
    env,
    onChunk: (chunk) => {
      if (done) return;
      for (const utterance of segmenter.push(chunk)) {
        queue = queue.then(() => handle(utterance));
        if (options.once) {
          done = true;
          recording.cancel();
          return;
        }
      }
    },
  });
  const stop = () => void recording.stop().catch(() => {});
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await recording.ended;
    await recording.stop().catch((error: unknown) => {
      if (!done) throw error;
    });
    const rest = done ? undefined : segmenter.flush();
    if (rest) queue = queue.then(() => handle(rest));
    await queue;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
