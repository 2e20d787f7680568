import type { ModuleContext, Readiness } from "../../core/module.ts";
import type { VoiceConfig } from "./config.ts";
import { AUTO_ORDER, checkStt } from "./stt/select.ts";

/** Ready when the configured (or any, for auto) speech recogniser can run here. */
export async function voiceReadiness(config: VoiceConfig, ctx: ModuleContext): Promise<Readiness> {
  const deps = { config, secrets: ctx.secrets, env: ctx.env, paths: ctx.paths };
  if (config.stt !== "auto") {
    const check = await checkStt(config.stt, deps);
    return check.available
      ? { ready: true }
      : { ready: false, missing: `speech recogniser ${config.stt}`, how: check.detail };
  }
  for (const name of AUTO_ORDER) if ((await checkStt(name, deps)).available) return { ready: true };
  return {
    ready: false,
    missing: "a speech recogniser",
    how: "install pocketsphinx (offline), run whisper-server, or store an OpenAI key with `deskhub voice setup`",
  };
}
