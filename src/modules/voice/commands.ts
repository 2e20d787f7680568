import { z } from "zod";
import type { Store } from "../../core/store.ts";
import { TTS_BACKENDS } from "./config.ts";
import type { VoicePipeline } from "./pipeline/pipeline.ts";
import type { TurnResult } from "./pipeline/turn.ts";
import type { SpeakResult } from "./tts/speaker.ts";

function summary(result: TurnResult) {
  return {
    outcome: result.outcome,
    text: result.text,
    kind: result.kind,
    backend: result.backend,
    stt_ms: result.sttMs === undefined ? undefined : Math.round(result.sttMs),
    ...(result.error ? { error: result.error } : {}),
  };
}

/**
 * The daemon's voice commands: what `deskhub voice start|stop|toggle|cancel` (a
 * compositor key bind), the dashboard and Home Assistant run.
 */
export function defineCommands(
  store: Store,
  pipeline: () => VoicePipeline,
  say: (text: string, tts?: (typeof TTS_BACKENDS)[number]) => Promise<SpeakResult>,
): void {
  const kind = (ai?: boolean): "ai" | "dictation" => (ai ? "ai" : "dictation");
  store.command({
    id: "voice.start",
    summary: "Start recording (push-to-talk key down)",
    args: z.object({ ai: z.boolean().default(false) }),
    handler: ({ ai }) => pipeline().start(kind(ai)),
  });
  store.command({
    id: "voice.stop",
    summary: "Stop recording and type the text (key up)",
    args: z.object({ wait: z.boolean().default(false), ai: z.boolean().optional() }),
    handler: async ({ wait, ai }) => {
      const turn = pipeline().stop(ai === undefined ? undefined : kind(ai));
      if (!wait) return { state: "processing" };
      return summary(await turn);
    },
  });
  store.command({
    id: "voice.toggle",
    summary: "Start recording, or stop and type if recording",
    args: z.object({ ai: z.boolean().default(false), wait: z.boolean().default(false) }),
    handler: async ({ ai, wait }) => {
      const p = pipeline();
      if (!p.recording) return p.start(kind(ai));
      const turn = p.stop();
      return wait ? summary(await turn) : { state: "processing" };
    },
  });
  store.command({
    id: "voice.cancel",
    summary: "Drop the recording without typing anything",
    args: z.object({}),
    handler: () => ({ cancelled: pipeline().cancel() }),
  });
  store.command({
    id: "voice.interrupt",
    summary: "Stop speaking at once and cancel the recording",
    args: z.object({}),
    handler: () => pipeline().interrupt(),
  });
  store.command({
    id: "voice.say",
    summary: "Speak a text aloud",
    args: z.object({ text: z.string().trim().min(1).max(10_000), tts: z.enum(TTS_BACKENDS).optional() }),
    handler: async ({ text, tts }) => {
      const result = await say(text, tts);
      return {
        backend: result.backend,
        sentences: result.sentences,
        interrupted: result.interrupted,
        first_audio_ms: result.firstAudioMs === undefined ? undefined : Math.round(result.firstAudioMs),
      };
    },
  });
  store.define({
    id: "voice.cancel",
    kind: "button",
    name: "Cancel recording",
    icon: "mdi:close",
    command: "voice.cancel",
  });
  store.define({
    id: "voice.stop_speaking",
    kind: "button",
    name: "Stop speaking",
    icon: "mdi:volume-off",
    command: "voice.interrupt",
  });
}
