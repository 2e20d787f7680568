import { existsSync } from "node:fs";
import { connect } from "node:net";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { expandHome, type Paths } from "../../../core/paths.ts";
import { firstAvailable, which } from "../../../core/proc.ts";
import type { Secrets } from "../../../core/secrets/secrets.ts";
import type { SttName, VoiceConfig } from "../config.ts";
import { OPENAI_SECRET, openaiClient } from "../openai-client.ts";
import { parseTcpUrl } from "../wyoming.ts";
import { pocketsphinxBackend } from "./pocketsphinx.ts";
import type { SttBackend } from "./types.ts";

export interface BackendDeps {
  config: VoiceConfig;
  secrets: Secrets;
  env: NodeJS.ProcessEnv;
  paths: Paths;
}

export interface Availability {
  name: SttName;
  available: boolean;
  /** What was found, or what is missing and how to fix it. */
  detail: string;
}

/** Auto order: local servers first (fast, private), then local CLIs, the cloud, and offline pocketsphinx last. */
export const AUTO_ORDER: readonly SttName[] = [
  "whisper_server",
  "wyoming",
  "whisper_cli",
  "openai",
  "pocketsphinx",
];

function reachableHttp(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false,
  );
}

function reachableTcp(url: string): Promise<boolean> {
  const { host, port } = parseTcpUrl(url);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

async function pocketsphinxPath(deps: BackendDeps): Promise<string | undefined> {
  const configured = deps.config.pocketsphinx.binary;
  if (configured) return which(expandHome(configured, deps.paths), deps.env);
  return (await firstAvailable(["pocketsphinx_continuous", "pocketsphinx"], deps.env))?.path;
}

export async function checkStt(name: SttName, deps: BackendDeps): Promise<Availability> {
  const { config } = deps;
  const no = (detail: string): Availability => ({ name, available: false, detail });
  const yes = (detail: string): Availability => ({ name, available: true, detail });
  switch (name) {
    case "whisper_server": {
      const url = config.whisper_server.url;
      if (!url) return no("set voice.whisper_server.url to a running whisper-server");
      return (await reachableHttp(url)) ? yes(url) : no(`nothing answers at ${url}`);
    }
    case "wyoming": {
      const url = config.wyoming.stt_url;
      if (!url) return no("set voice.wyoming.stt_url (tcp://host:10300)");
      return (await reachableTcp(url)) ? yes(url) : no(`nothing listens at ${url}`);
    }
    case "whisper_cli": {
      const binary = await which(expandHome(config.whisper_cli.binary, deps.paths), deps.env);
      if (!binary) return no(`${config.whisper_cli.binary} is not installed (build whisper.cpp)`);
      const model = config.whisper_cli.model && expandHome(config.whisper_cli.model, deps.paths);
      if (!model) return no("set voice.whisper_cli.model to a ggml model file");
      return existsSync(model) ? yes(`${binary} with ${model}`) : no(`model ${model} does not exist`);
    }
    case "openai": {
      const where = await deps.secrets.locate(OPENAI_SECRET);
      if (where.error) return no(where.error);
      if (!where.found) return no("no API key: run `deskhub voice setup` or set OPENAI_API_KEY");
      return yes(
        `${config.openai.base_url ?? "api.openai.com"} (${config.openai.stt_model}), key from ${where.where}`,
      );
    }
    case "pocketsphinx": {
      const path = await pocketsphinxPath(deps);
      return path ? yes(path) : no("install pocketsphinx and pocketsphinx-en-us");
    }
  }
}

/** The recogniser to use: the configured one, or the first available in AUTO_ORDER. */
export async function createStt(choice: "auto" | SttName, deps: BackendDeps): Promise<SttBackend> {
  let name: SttName | undefined;
  if (choice === "auto") {
    for (const candidate of AUTO_ORDER) {
      if ((await checkStt(candidate, deps)).available) {
        name = candidate;
        break;
      }
    }
    if (!name) {
      throw new UserError("no speech recogniser is available", {
        code: ExitCode.unavailable,
        hint: "install pocketsphinx (offline), run whisper-server, or store an OpenAI key with `deskhub voice setup`; `deskhub voice doctor` shows each",
      });
    }
  } else {
    const check = await checkStt(choice, deps);
    if (!check.available && choice !== "whisper_server" && choice !== "wyoming") {
      throw new UserError(`speech recogniser ${choice} is not available: ${check.detail}`, {
        code: ExitCode.unavailable,
      });
    }
    name = choice;
  }
  return build(name, deps);
}

async function build(name: SttName, deps: BackendDeps): Promise<SttBackend> {
  const { config } = deps;
  switch (name) {
    case "pocketsphinx": {
      const path = await pocketsphinxPath(deps);
      const file = (p?: string) => (p ? expandHome(p, deps.paths) : undefined);
      return pocketsphinxBackend({
        path: path ?? "pocketsphinx_continuous",
        hmm: file(config.pocketsphinx.hmm),
        lm: file(config.pocketsphinx.lm),
        dict: file(config.pocketsphinx.dict),
      });
    }
    case "whisper_server": {
      const { whisperServerBackend } = await import("./whisper-server.ts");
      if (!config.whisper_server.url) {
        throw new UserError("voice.whisper_server.url is not set", { code: ExitCode.config });
      }
      return whisperServerBackend({
        url: config.whisper_server.url,
        timeoutMs: config.whisper_server.timeout_seconds * 1000,
        shrinkAudioCtx: config.whisper_cli.shrink_audio_ctx,
      });
    }
    case "whisper_cli": {
      const { whisperCliBackend } = await import("./whisper-cli.ts");
      return whisperCliBackend({
        path:
          (await which(expandHome(config.whisper_cli.binary, deps.paths), deps.env)) ??
          config.whisper_cli.binary,
        model: expandHome(config.whisper_cli.model ?? "", deps.paths),
        threads: config.whisper_cli.threads,
        shrinkAudioCtx: config.whisper_cli.shrink_audio_ctx,
      });
    }
    case "openai": {
      const { openaiSttBackend } = await import("./openai.ts");
      const client = await openaiClient(deps.secrets, {
        baseUrl: config.openai.base_url,
        timeoutMs: config.openai.timeout_seconds * 1000,
      });
      return openaiSttBackend(client, { model: config.openai.stt_model, baseUrl: config.openai.base_url });
    }
    case "wyoming": {
      const { wyomingSttBackend } = await import("./wyoming.ts");
      if (!config.wyoming.stt_url)
        throw new UserError("voice.wyoming.stt_url is not set", { code: ExitCode.config });
      return wyomingSttBackend({
        url: config.wyoming.stt_url,
        model: config.wyoming.stt_model,
        timeoutMs: 60_000,
      });
    }
  }
}
