import { z } from "zod";
import { AI_MODES, AiConfig } from "./ai/config.ts";

export const STT_BACKENDS = [
  "auto",
  "pocketsphinx",
  "whisper_server",
  "whisper_cli",
  "openai",
  "wyoming",
] as const;
export type SttName = Exclude<(typeof STT_BACKENDS)[number], "auto">;
export const TTS_BACKENDS = ["auto", "piper", "espeak", "openai", "wyoming"] as const;
export type TtsName = Exclude<(typeof TTS_BACKENDS)[number], "auto">;
export const OPENAI_VOICES = ["alloy", "echo", "fable", "onyx", "nova", "shimmer"] as const;
export { AI_MODES };
export const TRIGGERS = ["auto", "evdev", "portal", "cli"] as const;
export const INDICATOR_STYLES = ["tray", "dot", "none"] as const;
export const OUTPUT_METHODS = ["auto", "wtype", "ydotool", "xdotool", "clipboard"] as const;
export const CAPTURE_CHOICES = ["auto", "pw-record", "parecord", "arecord", "ffmpeg"] as const;

const url = () => z.string().url();

export const VoiceConfig = z.object({
  /** hold: speak while the key is down; toggle: press to start, press again to stop. */
  mode: z.enum(["hold", "toggle"]).default("hold"),
  /** Where key presses come from; auto tries evdev, then the desktop portal. */
  trigger: z.enum(TRIGGERS).default("auto"),
  ptt_key: z.string().default("ctrl_r"),
  /** Held together with ptt_key: the question goes to the AI assistant. */
  ai_key: z.string().default("shift_r"),
  /** Stops speech and cancels a recording. */
  interrupt_key: z.string().default("esc"),
  stt: z.enum(STT_BACKENDS).default("auto"),
  language: z.string().default("en"),
  /** One word or phrase per line, given to the recogniser as its prompt / hot words. */
  vocabulary_file: z.string().optional(),
  /** Applied to every transcript, case-insensitive whole words: `{ "open ai": "OpenAI" }`. */
  replacements: z.record(z.string(), z.string()).default({}),
  /** More phrases a recogniser invents on silence, dropped like the built-in ones. */
  hallucinations: z.array(z.string()).default([]),
  recording: z
    .object({
      /** A command writing 16 kHz mono s16le (or WAV) to stdout; default: detected capture program. */
      command: z.array(z.string()).min(1).optional(),
      capture: z.enum(CAPTURE_CHOICES).default("auto"),
      max_seconds: z.number().positive().default(120),
      /** RMS (0-1) under which audio counts as silence. */
      silence_threshold: z.number().min(0).max(1).default(0.01),
      /** Less speech than this is a stray key press: nothing is typed. */
      min_speech_ms: z.number().int().min(0).default(200),
      trim_silence: z.boolean().default(true),
      /**
       * Keep the capture running between recordings (the mic stays open) so a recording
       * starts with no delay and a pre-roll. auto: only for ffmpeg, which takes ~250 ms
       * to start; pw-record, parecord and arecord start in a few ms.
       */
      keep_warm: z.union([z.boolean(), z.literal("auto")]).default("auto"),
      pre_roll_ms: z.number().int().min(0).max(5000).default(300),
    })
    .prefault({}),
  output: z
    .object({
      method: z.enum(OUTPUT_METHODS).default("auto"),
      key_delay_ms: z.number().int().min(0).max(1000).default(12),
      paste_chord: z.enum(["auto", "ctrl+v", "ctrl+shift+v", "shift+insert"]).default("auto"),
      restore_clipboard: z.boolean().default(true),
      /** A space after each dictation, so the next one does not run into it. */
      trailing_space: z.boolean().default(true),
    })
    .prefault({}),
  whisper_server: z
    .object({
      /** A running whisper.cpp `whisper-server`, e.g. http://127.0.0.1:8080 */
      url: url().optional(),
      timeout_seconds: z.number().positive().default(60),
    })
    .prefault({}),
  whisper_cli: z
    .object({
      binary: z.string().default("whisper-cli"),
      /** A ggml model, e.g. ~/.local/share/whisper/ggml-base.en.bin */
      model: z.string().optional(),
      threads: z.number().int().positive().optional(),
      /** Shrink the encoder's audio context to the clip's length: much faster on short clips. */
      shrink_audio_ctx: z.boolean().default(true),
    })
    .prefault({}),
  openai: z
    .object({
      /** An OpenAI-compatible endpoint: Groq (https://api.groq.com/openai/v1), a local server. */
      base_url: url().optional(),
      stt_model: z.string().default("gpt-4o-mini-transcribe"),
      tts_model: z.string().default("tts-1"),
      timeout_seconds: z.number().positive().default(60),
    })
    .prefault({}),
  wyoming: z
    .object({
      /** wyoming-faster-whisper and friends, e.g. tcp://homeassistant.local:10300 */
      stt_url: z
        .string()
        .regex(/^tcp:\/\/[^/:]+:\d+$/, "tcp://host:port")
        .optional(),
      /** wyoming-piper, e.g. tcp://homeassistant.local:10200 */
      tts_url: z
        .string()
        .regex(/^tcp:\/\/[^/:]+:\d+$/, "tcp://host:port")
        .optional(),
      stt_model: z.string().optional(),
      tts_voice: z.string().optional(),
    })
    .prefault({}),
  pocketsphinx: z
    .object({
      binary: z.string().optional(),
      /** Acoustic model, language model and dictionary; default: the installed en-us model. */
      hmm: z.string().optional(),
      lm: z.string().optional(),
      dict: z.string().optional(),
    })
    .prefault({}),
  tts_backend: z.enum(TTS_BACKENDS).default("auto"),
  openai_voice: z.enum(OPENAI_VOICES).default("nova"),
  piper: z
    .object({
      binary: z.string().default("piper"),
      /** A voice model; its `.onnx.json` must sit next to it. */
      model: z.string().optional(),
      speaker: z.number().int().min(0).optional(),
    })
    .prefault({}),
  espeak: z
    .object({
      voice: z.string().default("en-us"),
      words_per_minute: z.number().int().min(80).max(450).default(175),
    })
    .prefault({}),
  playback: z
    .object({
      /** A player reading s16le from stdin; `{rate}` and `{channels}` are filled in. */
      command: z.array(z.string()).min(1).optional(),
    })
    .prefault({}),
  mute_mic_while_speaking: z.boolean().default(true),
  ai_mode: z.enum(AI_MODES).default("claude"),
  /** The assistant: tools and their policy, memory, audit, each backend's settings. */
  ai: AiConfig.prefault({}),
  /** tray: a tray icon; dot/none: no tray icon (waybar, the dashboard, status files show it). */
  indicator_style: z.enum(INDICATOR_STYLES).default("tray"),
  debug_mode: z.boolean().default(false),
  /** Also write the status word to this file (the old indicator read ~/.local/share/push-to-talk/status). */
  status_file: z.string().optional(),
  /** How many recent transcripts the dashboard shows. */
  history: z.number().int().min(0).max(100).default(10),
});

export type VoiceConfig = z.output<typeof VoiceConfig>;
