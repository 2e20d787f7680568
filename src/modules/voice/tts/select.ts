import { existsSync } from "node:fs";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { expandHome } from "../../../core/paths.ts";
import { firstAvailable, which } from "../../../core/proc.ts";
import type { TtsName } from "../config.ts";
import { OPENAI_SECRET, openaiClient } from "../openai-client.ts";
import type { BackendDeps } from "../stt/select.ts";
import { espeakBackend } from "./espeak.ts";
import type { TtsBackend } from "./types.ts";

export interface TtsAvailability {
  name: TtsName;
  available: boolean;
  detail: string;
}

/** Auto order: a configured Piper voice, a Wyoming voice, eSpeak NG, then OpenAI. */
export const TTS_AUTO_ORDER: readonly TtsName[] = ["piper", "wyoming", "espeak", "openai"];

export async function checkTts(name: TtsName, deps: BackendDeps): Promise<TtsAvailability> {
  const { config } = deps;
  const no = (detail: string): TtsAvailability => ({ name, available: false, detail });
  const yes = (detail: string): TtsAvailability => ({ name, available: true, detail });
  switch (name) {
    case "piper": {
      const model = config.piper.model && expandHome(config.piper.model, deps.paths);
      if (!model) return no("set voice.piper.model to a voice .onnx file");
      if (!existsSync(model)) return no(`voice ${model} does not exist`);
      const binary = await which(expandHome(config.piper.binary, deps.paths), deps.env);
      if (!binary) return no(`${config.piper.binary} is not installed`);
      const { piperFlavour, piperHelp } = await import("./piper.ts");
      return piperFlavour(await piperHelp(binary, deps.env))
        ? yes(`${binary} with ${model}`)
        : no(`${binary} is not the Piper voice (Debian's piper is a mouse tool)`);
    }
    case "wyoming":
      return config.wyoming.tts_url
        ? yes(config.wyoming.tts_url)
        : no("set voice.wyoming.tts_url (tcp://host:10200)");
    case "espeak": {
      const found = await firstAvailable(["espeak-ng", "espeak"], deps.env);
      return found ? yes(found.path) : no("install espeak-ng");
    }
    case "openai": {
      const where = await deps.secrets.locate(OPENAI_SECRET);
      if (where.error) return no(where.error);
      return where.found
        ? yes(`${config.openai.tts_model}, voice ${config.openai_voice}`)
        : no("no API key: run `deskhub voice setup` or set OPENAI_API_KEY");
    }
  }
}

export async function createTts(choice: "auto" | TtsName, deps: BackendDeps): Promise<TtsBackend> {
  let name: TtsName | undefined = choice === "auto" ? undefined : choice;
  if (!name) {
    for (const candidate of TTS_AUTO_ORDER) {
      if ((await checkTts(candidate, deps)).available) {
        name = candidate;
        break;
      }
    }
  }
  if (!name) {
    throw new UserError("no speech synthesiser is available", {
      code: ExitCode.unavailable,
      hint: "install espeak-ng, configure a Piper voice (voice.piper.model), or store an OpenAI key with `deskhub voice setup`",
    });
  }
  const { config } = deps;
  switch (name) {
    case "espeak": {
      const found = await firstAvailable(["espeak-ng", "espeak"], deps.env);
      if (!found)
        throw new UserError("espeak-ng is not installed", {
          code: ExitCode.unavailable,
          hint: "apt install espeak-ng",
        });
      return espeakBackend({
        path: found.path,
        voice: config.espeak.voice,
        wordsPerMinute: config.espeak.words_per_minute,
      });
    }
    case "piper": {
      const model = config.piper.model && expandHome(config.piper.model, deps.paths);
      if (!model)
        throw new UserError("voice.piper.model is not set", {
          code: ExitCode.config,
          hint: "point it at a voice's .onnx file",
        });
      const binary = await which(expandHome(config.piper.binary, deps.paths), deps.env);
      if (!binary)
        throw new UserError(`${config.piper.binary} is not installed`, { code: ExitCode.unavailable });
      const { piperBackend } = await import("./piper.ts");
      return piperBackend({ path: binary, model, speaker: config.piper.speaker, env: deps.env });
    }
    case "openai": {
      const { openaiTtsBackend } = await import("./openai.ts");
      const client = await openaiClient(deps.secrets, {
        baseUrl: config.openai.base_url,
        timeoutMs: config.openai.timeout_seconds * 1000,
      });
      return openaiTtsBackend(client, {
        model: config.openai.tts_model,
        voice: config.openai_voice,
        baseUrl: config.openai.base_url,
      });
    }
    case "wyoming": {
      if (!config.wyoming.tts_url)
        throw new UserError("voice.wyoming.tts_url is not set", { code: ExitCode.config });
      const { wyomingTtsBackend } = await import("./wyoming.ts");
      return wyomingTtsBackend({
        url: config.wyoming.tts_url,
        voice: config.wyoming.tts_voice,
        timeoutMs: 30_000,
      });
    }
  }
}
