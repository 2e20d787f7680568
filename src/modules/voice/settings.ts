import { z } from "zod";
import { ExitCode, UserError } from "../../core/errors.ts";
import type { Store } from "../../core/store.ts";
import { keyCode } from "../../desktop/input/keys.ts";
import {
  AI_MODES,
  INDICATOR_STYLES,
  OPENAI_VOICES,
  STT_BACKENDS,
  TTS_BACKENDS,
  type VoiceConfig,
} from "./config.ts";

/** The settings the dashboard and Home Assistant can change, by their config keys. */
export const SETTINGS = {
  mode: { name: "Push-to-talk mode", options: ["hold", "toggle"] },
  stt: { name: "Speech recogniser", options: STT_BACKENDS },
  tts_backend: { name: "Speech synthesiser", options: TTS_BACKENDS },
  openai_voice: { name: "OpenAI voice", options: OPENAI_VOICES },
  ai_mode: { name: "AI assistant", options: AI_MODES },
  indicator_style: { name: "Indicator", options: INDICATOR_STYLES },
  debug_mode: { name: "Voice debug logging" },
  ptt_key: { name: "Push-to-talk key" },
  ai_key: { name: "AI key" },
  interrupt_key: { name: "Interrupt key" },
} as const;

export type SettingKey = keyof typeof SETTINGS;

function parseValue(key: SettingKey, value: unknown): string | boolean {
  const spec = SETTINGS[key];
  if ("options" in spec) {
    const parsed = z.enum(spec.options as unknown as [string, ...string[]]).safeParse(value);
    if (!parsed.success) {
      throw new UserError(`voice.${key} must be one of ${spec.options.join(", ")}`, { code: ExitCode.usage });
    }
    return parsed.data;
  }
  if (key === "debug_mode") {
    if (typeof value === "boolean") return value;
    if (value === "on" || value === "true") return true;
    if (value === "off" || value === "false") return false;
    throw new UserError("voice.debug_mode must be true or false", { code: ExitCode.usage });
  }
  if (typeof value !== "string" || keyCode(value) === undefined) {
    throw new UserError(`voice.${key}: "${String(value)}" is not a key name deskhub knows`, {
      code: ExitCode.usage,
      hint: "use names like ctrl_r, shift_r, alt_r, esc, f12, or KEY_RIGHTCTRL",
    });
  }
  return value;
}

/**
 * Each setting as an entity (select, switch or text) with a command, so the dashboard
 * and Home Assistant show and change it. A change applies at once and is written to
 * config.yaml, so it survives a restart.
 */
export function defineSettings(
  store: Store,
  config: () => VoiceConfig,
  apply: (key: SettingKey, value: string | boolean) => Promise<void>,
): { refresh(): void } {
  const keys = Object.keys(SETTINGS) as SettingKey[];
  for (const key of keys) {
    const spec = SETTINGS[key];
    const command = `voice.set_${key}`;
    store.define({
      id: `voice.${key}`,
      kind: "options" in spec ? "select" : key === "debug_mode" ? "switch" : "text",
      name: spec.name,
      category: "config",
      ...("options" in spec ? { options: spec.options } : {}),
      command,
    });
    store.command({
      id: command,
      summary: `Set ${spec.name.toLowerCase()}`,
      args: z.object({ value: z.unknown() }),
      handler: async ({ value }) => {
        const parsed = parseValue(key, value);
        await apply(key, parsed);
        store.set(`voice.${key}`, parsed);
        return { [key]: parsed };
      },
    });
  }
  const refresh = () => {
    const current = config();
    for (const key of keys) store.set(`voice.${key}`, current[key] as string | boolean);
  };
  refresh();
  return { refresh };
}
