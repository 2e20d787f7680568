import { configFiles } from "../../core/config/files.ts";
import { errorMessage, UserError } from "../../core/errors.ts";
import type { Service, ServiceContext } from "../../core/module.ts";
import { expandHome } from "../../core/paths.ts";
import { MicMute } from "../../desktop/audio/mic-mute.ts";
import { openPlayer, type PcmFormat } from "../../desktop/audio/playback.ts";
import { createTyper } from "../../desktop/type/detect.ts";
import type { Typer } from "../../desktop/type/typer.ts";
import type { Assistant } from "./ai/assistant.ts";
import { defineCommands } from "./commands.ts";
import type { VoiceConfig } from "./config.ts";
import { updateVoiceSection } from "./config-file.ts";
import { type PipelineDeps, VoicePipeline } from "./pipeline/pipeline.ts";
import { captureSource, RecordStage, shouldKeepWarm } from "./pipeline/record.ts";
import type { TurnHandler } from "./pipeline/turn.ts";
import { defineSettings, type SettingKey } from "./settings.ts";
import { ENTITY, statusFollowsSpeech, VoiceStatus } from "./status.ts";
import { type BackendDeps, createStt } from "./stt/select.ts";
import type { SttBackend } from "./stt/types.ts";
import { startTriggers, type TriggerSource } from "./triggers/sources.ts";
import { mutedWhilePlaying } from "./tts/muted-sink.ts";
import { createTts } from "./tts/select.ts";
import { Speaker } from "./tts/speaker.ts";
import type { TtsBackend } from "./tts/types.ts";
import { loadVocabulary, vocabularyPath } from "./vocabulary.ts";

export interface VoiceServiceOptions {
  /** Handlers for non-dictation turns; default: the AI assistant answers "ai" turns. */
  handlers?: PipelineDeps["handlers"];
  /** Called with the timings of each turn (benchmarks). */
  onTimings?: PipelineDeps["onTimings"];
}

/** Caches a backend until a setting changes; a failed resolution is retried next time. */
function cached<T>(make: () => Promise<T>): { get(): Promise<T>; reset(): void } {
  let value: Promise<T> | undefined;
  return {
    get() {
      value ??= make().catch((error: unknown) => {
        value = undefined;
        throw error;
      });
      return value;
    },
    reset() {
      value = undefined;
    },
  };
}

/**
 * The voice service in the daemon: triggers (evdev, portal, CLI), the pipeline,
 * speech output, the status entities, settings and the tray icon.
 */
export function voiceService(
  ctx: ServiceContext,
  initial: VoiceConfig,
  options: VoiceServiceOptions = {},
): Service {
  let config = structuredClone(initial);
  const log = ctx.log;
  const deps = (): BackendDeps => ({ config, secrets: ctx.secrets, env: ctx.env, paths: ctx.paths });
  const status = new VoiceStatus(ctx.store, {
    statusFile: config.status_file ? expandHome(config.status_file, ctx.paths) : undefined,
    historySize: config.history,
  });
  const stt = cached<SttBackend>(async () => {
    const backend = await createStt(config.stt, deps());
    ctx.store.set(ENTITY.stt, backend.name);
    return backend;
  });
  const tts = cached<TtsBackend>(() => createTts(config.tts_backend, deps()));
  const typer = cached<Typer>(() =>
    createTyper(
      config.output.method,
      {
        env: ctx.env,
        keyDelayMs: config.output.key_delay_ms,
        pasteChord: config.output.paste_chord,
        restoreClipboard: config.output.restore_clipboard,
      },
      (from, error) => log.info({ from, err: error }, "typing tool failed; trying the next"),
    ),
  );
  const mic = new MicMute({ env: ctx.env });
  const openSink = (format: PcmFormat) =>
    openPlayer(format, { command: config.playback.command, env: ctx.env });
  const speaker = new Speaker({
    tts: () => tts.get(),
    openSink,
    micMute: config.mute_mic_while_speaking ? mic : undefined,
    onSpeaking: statusFollowsSpeech(status),
  });
  /** For audio that does not pass through the Speaker: the Realtime API's own voice. */
  const openTurnSink = mutedWhilePlaying(openSink, config.mute_mic_while_speaking ? mic : undefined);
  let record: RecordStage | undefined;
  let pipeline: VoicePipeline | undefined;
  let trigger: TriggerSource | undefined;
  let tray: { close(): Promise<void> } | undefined;
  let assistant: Assistant | undefined;
  let aiTurn: TurnHandler | undefined;
  let assistantProblem = "it has not started";

  /**
   * The AI assistant answers "ai" turns with voice.ai_mode, and is built again when that
   * setting changes. It is built at start so the dashboard shows which backends can
   * run; each backend's SDK loads on its first turn.
   */
  async function restartAssistant(): Promise<void> {
    await assistant?.close();
    assistant = undefined;
    aiTurn = undefined;
    try {
      const [{ createAssistant }, { aiTurnHandler, speechPort, statusPort }] = await Promise.all([
        import("./ai/assistant.ts"),
        import("./ai/wiring.ts"),
      ]);
      const showStatus = statusPort(status);
      const ai = await createAssistant({
        mode: config.ai_mode,
        config: config.ai,
        ctx,
        speech: speechPort(speaker),
        // An answer stopped by a new key press settles after that recording began: the
        // recording owns the indicator until it ends.
        status: (state, message) => {
          if (!pipeline?.recording) showStatus(state, message);
        },
        listen: (maxMs, signal) => current().listen(maxMs, signal),
        openPcmOut: openTurnSink,
      });
      assistant = ai;
      aiTurn = {
        ...aiTurnHandler(ai),
        stream: () => (ai.mode === "realtime" ? ai.startRealtimeTurn(16_000) : undefined),
      };
      ai.availability().catch((error: unknown) => log.warn({ err: error }, "cannot check the AI backends"));
    } catch (error) {
      assistantProblem = errorMessage(error);
      log.warn({ err: error }, "the AI assistant cannot start; AI turns will report it");
    }
  }

  /** "ai" turns go to the assistant running now. */
  const aiHandler: TurnHandler = {
    handle(transcript, context) {
      if (!aiTurn) throw new UserError(`the AI assistant could not start: ${assistantProblem}`);
      return aiTurn.handle(transcript, context);
    },
    stream: () => aiTurn?.stream?.(),
  };

  const actions = {
    start: (kind: "dictation" | "ai") => {
      try {
        current().start(kind);
      } catch (error) {
        log.warn({ err: error }, "cannot start recording");
      }
    },
    stop: (kind: "dictation" | "ai") => void current().stop(kind),
    cancel: () => void current().cancel(),
    interrupt: () => {
      assistant?.interrupt();
      void current().interrupt();
    },
    recording: () => pipeline?.recording ?? false,
  };

  function current(): VoicePipeline {
    if (!pipeline) throw new Error("the voice service is not running");
    return pipeline;
  }

  async function restartTriggers(): Promise<void> {
    await trigger?.close();
    const started = await startTriggers(config, actions, { env: ctx.env, log });
    trigger = started.source;
    ctx.store.set(ENTITY.trigger, trigger.name, { detail: trigger.detail, problems: started.problems });
    if (started.problems.length && config.trigger !== "cli") {
      log.warn({ problems: started.problems }, `push-to-talk keys: using ${trigger.name}`);
      if (trigger.name === "cli" && config.trigger !== "auto")
        ctx.health("degraded", started.problems.join("; "));
    }
  }

  async function restartTray(): Promise<void> {
    await tray?.close();
    tray = undefined;
    if (config.indicator_style !== "tray") return;
    const dashboard = ctx.config.dashboard as { host?: string; port?: number } | undefined;
    const { voiceTray } = await import("./tray.ts");
    tray = await voiceTray({
      env: ctx.env,
      status,
      settingsUrl: `http://${dashboard?.host ?? "127.0.0.1"}:${dashboard?.port ?? 7373}/voice/`,
      onCancel: () => pipeline?.cancel(),
      onStopSpeaking: () => speaker.interrupt(),
      log,
    });
  }

  async function applySetting(key: SettingKey, value: string | boolean): Promise<void> {
    config = { ...config, [key]: value };
    const file = configFiles(ctx.paths, ctx.hostname).base;
    await updateVoiceSection(file, { [key]: value }).catch((error: unknown) =>
      log.warn({ err: error, file }, "setting applied but not saved to the config file"),
    );
    if (key === "stt") stt.reset();
    if (key === "tts_backend" || key === "openai_voice") tts.reset();
    if (key === "debug_mode") log.level = value ? "debug" : "info";
    if (key === "mode" || key === "ptt_key" || key === "ai_key" || key === "interrupt_key")
      await restartTriggers();
    if (key === "indicator_style") await restartTray();
    if (key === "ai_mode" && !options.handlers) await restartAssistant();
  }

  return {
    async start() {
      status.define();
      if (config.debug_mode) log.level = "debug";
      defineSettings(ctx.store, () => config, applySetting);
      defineCommands(ctx.store, current, async (text, backend) =>
        speaker.speak(text, backend ? { backend: await createTts(backend, deps()) } : {}),
      );
      if (!options.handlers) await restartAssistant();
      // Without a capture program the service still runs (speech out, settings); a key
      // press then reports what is missing instead of failing silently.
      const source = await captureSource(config, ctx.env).catch((error: Error) => {
        ctx.health("degraded", errorMessage(error));
        return error;
      });
      record = new RecordStage({
        source,
        keepWarm: !(source instanceof Error) && shouldKeepWarm(config.recording.keep_warm, source),
        preRollMs: config.recording.pre_roll_ms,
        env: ctx.env,
        log,
      });
      pipeline = new VoicePipeline({
        record,
        stt: () => stt.get(),
        vocabulary: () => loadVocabulary(vocabularyPath(config.vocabulary_file, ctx.paths)),
        typer: () => typer.get(),
        status,
        speaker,
        settings: () => ({
          language: config.language,
          maxMs: config.recording.max_seconds * 1000,
          silenceThreshold: config.recording.silence_threshold,
          minSpeechMs: config.recording.min_speech_ms,
          trimSilence: config.recording.trim_silence,
          hallucinations: config.hallucinations,
          replacements: config.replacements,
          trailingSpace: config.output.trailing_space,
        }),
        handlers: options.handlers ?? { ai: aiHandler },
        openSink: openTurnSink,
        keysReleased: () => trigger?.keysReleased() ?? Promise.resolve(),
        log,
        onTimings: options.onTimings,
      });
      // Resolve the recogniser now: a missing one shows on the dashboard before the first key press.
      stt.get().catch((error: unknown) => {
        ctx.store.set(ENTITY.stt, null, { error: errorMessage(error) });
        ctx.health("degraded", errorMessage(error));
      });
      await restartTriggers();
      await restartTray();
    },
    async stop() {
      pipeline?.cancel();
      speaker.interrupt();
      await trigger?.close();
      await tray?.close();
      await record?.close();
      await assistant?.close();
      assistant = undefined;
      await status.flush();
      status.close();
      pipeline = undefined;
    },
  };
}
