import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { synthProcess } from "./process-stream.ts";
import type { TtsBackend } from "./types.ts";

/** The part of a Piper voice's `.onnx.json` that says how its audio comes out. */
const VoiceJson = z.looseObject({ audio: z.looseObject({ sample_rate: z.number().int().positive() }) });

/**
 * Debian's `piper` is a gaming-mouse configuration tool; the Piper voice prints
 * `--model` and `--output_raw` (C++ piper) or `--output-raw` (piper1 Python) in its help.
 */
export function piperFlavour(help: string): "output_raw" | "output-raw" | undefined {
  if (!/--model/.test(help)) return undefined;
  if (help.includes("--output_raw")) return "output_raw";
  if (help.includes("--output-raw")) return "output-raw";
  return undefined;
}

export function piperHelp(path: string, env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve) =>
    execFile(path, ["--help"], { timeout: 5000, env }, (_e, stdout, stderr) => resolve(`${stdout}${stderr}`)),
  );
}

export async function voiceSampleRate(model: string): Promise<number> {
  const file = `${model}.json`;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new UserError(`the Piper voice config ${file} is missing`, {
      code: ExitCode.config,
      hint: "download the voice's .onnx.json next to its .onnx (both come with every Piper voice)",
    });
  }
  const parsed = VoiceJson.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new UserError(`${file} has no audio.sample_rate; is it a Piper voice config?`, {
      code: ExitCode.config,
    });
  return parsed.data.audio.sample_rate;
}

/** Piper: natural-sounding local voices; raw PCM at the voice's rate, streamed per sentence. */
export async function piperBackend(options: {
  path: string;
  model: string;
  speaker?: number;
  env?: NodeJS.ProcessEnv;
}): Promise<TtsBackend> {
  const flavour = piperFlavour(await piperHelp(options.path, options.env));
  if (!flavour) {
    throw new UserError(
      `${options.path} is not the Piper speech synthesiser (Debian's "piper" is a mouse tool)`,
      {
        code: ExitCode.config,
        hint: "install Piper from its releases or `pip install piper-tts`, and set voice.piper.binary to it",
      },
    );
  }
  const rate = await voiceSampleRate(options.model);
  return {
    name: "piper",
    synthesize(text, signal) {
      const argv = [
        options.path,
        "--model",
        options.model,
        flavour === "output_raw" ? "--output_raw" : "--output-raw",
        ...(options.speaker !== undefined ? ["--speaker", String(options.speaker)] : []),
      ];
      return synthProcess({ argv, text, signal, raw: { rate, channels: 1 }, env: options.env });
    },
  };
}
