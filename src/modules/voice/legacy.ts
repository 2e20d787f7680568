import { z } from "zod";
import { keyCode } from "../../desktop/input/keys.ts";
import { AI_MODES, INDICATOR_STYLES, OPENAI_VOICES, TTS_BACKENDS } from "./config.ts";

/** The old push-to-talk config.json: its keys are kept by deskhub; other keys are reported. */
export const LegacyConfig = z.looseObject({
  tts_backend: z.unknown().optional(),
  openai_voice: z.unknown().optional(),
  ai_mode: z.unknown().optional(),
  ptt_key: z.unknown().optional(),
  ai_key: z.unknown().optional(),
  interrupt_key: z.unknown().optional(),
  indicator_style: z.unknown().optional(),
  debug_mode: z.unknown().optional(),
});

const ALIASES: Record<string, Record<string, string>> = {
  tts_backend: { "espeak-ng": "espeak", espeakng: "espeak", piper_tts: "piper" },
  ai_mode: {
    claude_cli: "claude",
    "claude-cli": "claude",
    claude_code: "claude",
    api: "anthropic",
    anthropic_api: "anthropic",
    openai: "realtime",
    openai_realtime: "realtime",
    "gpt-realtime": "realtime",
  },
  indicator_style: {
    floating: "dot",
    floating_dot: "dot",
    appindicator: "tray",
    indicator: "tray",
    off: "none",
    hidden: "none",
  },
};

const CHOICES: Record<string, readonly string[]> = {
  tts_backend: TTS_BACKENDS,
  openai_voice: OPENAI_VOICES,
  ai_mode: AI_MODES,
  indicator_style: INDICATOR_STYLES,
};

export interface ImportPlan {
  values: Record<string, string | boolean>;
  skipped: Array<{ key: string; value: unknown; reason: string }>;
}

/** Maps the old values onto deskhub's, saying why anything was left out. */
export function planImport(raw: unknown): ImportPlan {
  const parsed = LegacyConfig.safeParse(raw);
  const plan: ImportPlan = { values: {}, skipped: [] };
  if (!parsed.success) {
    plan.skipped.push({ key: "(file)", value: raw, reason: "not a JSON object" });
    return plan;
  }
  for (const [key, value] of Object.entries(parsed.data)) {
    if (value === undefined || value === null) continue;
    if (key in CHOICES) {
      const text = String(value).trim().toLowerCase();
      const mapped = ALIASES[key]?.[text] ?? text;
      if (CHOICES[key]!.includes(mapped)) plan.values[key] = mapped;
      else plan.skipped.push({ key, value, reason: `deskhub knows ${CHOICES[key]!.join(", ")}` });
    } else if (key === "ptt_key" || key === "ai_key" || key === "interrupt_key") {
      if (typeof value === "string" && keyCode(value) !== undefined) plan.values[key] = value;
      else plan.skipped.push({ key, value, reason: "not a key name deskhub knows" });
    } else if (key === "debug_mode") {
      if (typeof value === "boolean") plan.values[key] = value;
      else if (value === "true" || value === "false") plan.values[key] = value === "true";
      else plan.skipped.push({ key, value, reason: "expected true or false" });
    } else {
      plan.skipped.push({ key, value, reason: "no deskhub equivalent" });
    }
  }
  return plan;
}
