import { basename } from "node:path";
import type { Logger } from "../../../core/log.ts";
import { type CaptureProgram, detectCapture } from "../../../desktop/audio/capture.ts";
import { type PcmSource, startRecording, WarmCapture } from "../../../desktop/audio/recorder.ts";
import type { Recording } from "../../../desktop/audio/recording.ts";
import type { VoiceConfig } from "../config.ts";

/** The configured capture command, or the first capture program installed. */
export async function captureSource(config: VoiceConfig, env: NodeJS.ProcessEnv): Promise<PcmSource> {
  if (config.recording.command) return { kind: "command", argv: config.recording.command };
  const capture =
    config.recording.capture === "auto" ? undefined : (config.recording.capture as CaptureProgram);
  return { kind: "command", argv: (await detectCapture(env, capture)).argv };
}

/** Capture programs that take longer than the 100 ms budget to deliver their first sample. */
const SLOW_STARTERS = new Set(["ffmpeg"]);

export function shouldKeepWarm(setting: boolean | "auto", source: PcmSource): boolean {
  if (setting !== "auto") return setting;
  return source.kind === "command" && SLOW_STARTERS.has(basename(source.argv[0] ?? ""));
}

/**
 * Stage 1: audio from the microphone (or any PCM source) into memory. With
 * `keep_warm` the capture program runs between recordings and a recording starts
 * with the pre-roll; otherwise the program starts on the key press.
 */
export class RecordStage {
  #source: PcmSource | Error;
  #warm: WarmCapture | undefined;
  #env: NodeJS.ProcessEnv;

  /** `source` is an Error when no capture program exists: every recording then fails with it. */
  constructor(options: {
    source: PcmSource | Error;
    keepWarm: boolean;
    preRollMs: number;
    env: NodeJS.ProcessEnv;
    log: Logger;
  }) {
    this.#source = options.source;
    this.#env = options.env;
    if (options.keepWarm && !(options.source instanceof Error) && options.source.kind === "command") {
      let lastMessage: string | undefined;
      this.#warm = new WarmCapture({
        argv: options.source.argv,
        preRollMs: options.preRollMs,
        env: options.env,
        // A missing microphone fails every retry the same way; say it once, then at debug.
        onError: (error) => {
          const repeated = error.message === lastMessage;
          lastMessage = error.message;
          options.log[repeated ? "debug" : "warn"]({ err: error }, "warm capture stopped");
        },
      });
      this.#warm.start();
    }
  }

  begin(options: {
    maxMs: number;
    onLevel: (level: number) => void;
    onChunk?: (chunk: Buffer) => void;
  }): Recording {
    if (this.#source instanceof Error) throw this.#source;
    if (this.#warm) return this.#warm.begin(options);
    return startRecording(this.#source, { ...options, env: this.#env });
  }

  async close(): Promise<void> {
    await this.#warm?.close();
  }
}
