import { runInDaemon } from "../../../core/control/client.ts";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { CliApp } from "../../../core/module.ts";
import { MicMute } from "../../../desktop/audio/mic-mute.ts";
import { openPlayer, wavFileSink } from "../../../desktop/audio/playback.ts";
import { TTS_BACKENDS, type TtsName, type VoiceConfig } from "../config.ts";
import { createTts } from "../tts/select.ts";
import { Speaker } from "../tts/speaker.ts";

export interface SayOptions {
  tts?: string;
  out?: string;
  local?: boolean;
  json?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function parseTts(value: string | undefined): "auto" | TtsName | undefined {
  if (value === undefined) return undefined;
  if (!(TTS_BACKENDS as readonly string[]).includes(value)) {
    throw new UserError(`unknown speech synthesiser "${value}"`, {
      code: ExitCode.usage,
      hint: `use one of ${TTS_BACKENDS.join(", ")}`,
    });
  }
  return value as "auto" | TtsName;
}

/**
 * `deskhub say`: through the daemon when it runs (so the interrupt key can stop it and
 * the microphone is muted in one place), else from this process; `--out` writes a WAV.
 */
export async function runSay(app: CliApp<VoiceConfig>, words: string[], options: SayOptions): Promise<void> {
  const tts = parseTts(options.tts);
  const text = (
    words.length === 0 || (words.length === 1 && words[0] === "-") ? await readStdin() : words.join(" ")
  ).trim();
  if (!text)
    throw new UserError("nothing to say", {
      code: ExitCode.usage,
      hint: 'deskhub say "hello" (or pipe text in)',
    });
  const { ctx, config } = await app.load();

  if (!options.out && !options.local) {
    try {
      const result = await runInDaemon(ctx.paths, "voice.say", { text, ...(tts ? { tts } : {}) });
      if (options.json) app.output.json({ ...(result as object), via: "daemon" });
      return;
    } catch (error) {
      // No daemon, or one without the voice module: speak from here instead.
      if (
        !(error instanceof UserError) ||
        (error.code !== ExitCode.unavailable && error.code !== ExitCode.usage)
      )
        throw error;
    }
  }

  const backend = await createTts(tts ?? config.tts_backend, {
    config,
    secrets: ctx.secrets,
    env: ctx.env,
    paths: ctx.paths,
  });
  const out = options.out;
  const speaker = new Speaker({
    tts: async () => backend,
    openSink: out
      ? async (format) => wavFileSink(out, format)
      : (format) => openPlayer(format, { command: config.playback.command, env: ctx.env }),
    micMute: !out && config.mute_mic_while_speaking ? new MicMute({ env: ctx.env }) : undefined,
  });
  const interrupt = () => speaker.interrupt();
  process.once("SIGINT", interrupt);
  try {
    const result = await speaker.speak(text);
    if (options.json) {
      app.output.json({
        backend: result.backend,
        sentences: result.sentences,
        interrupted: result.interrupted,
        first_audio_ms: result.firstAudioMs === undefined ? undefined : Math.round(result.firstAudioMs),
        ...(out ? { out } : {}),
        via: "local",
      });
    }
  } finally {
    process.off("SIGINT", interrupt);
  }
}
