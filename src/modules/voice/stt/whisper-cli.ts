import { spawn } from "node:child_process";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { SPEECH_RATE } from "../../../desktop/audio/pcm.ts";
import { encodeWav } from "../../../desktop/audio/wav.ts";
import { audioContextFor } from "./audio-ctx.ts";
import type { SttBackend, SttRequest } from "./types.ts";

export interface WhisperCliOptions {
  path: string;
  model: string;
  threads?: number;
  shrinkAudioCtx: boolean;
}

export function whisperCliArgs(
  options: WhisperCliOptions,
  request: Pick<SttRequest, "pcm" | "language" | "prompt">,
): string[] {
  return [
    ...["-m", options.model],
    // `-f -` reads the WAV from stdin: the clip never touches the disk.
    ...["-f", "-"],
    ...["-l", request.language],
    "-nt",
    "-np",
    ...(options.threads ? ["-t", String(options.threads)] : []),
    ...(options.shrinkAudioCtx ? ["-ac", String(audioContextFor(request.pcm))] : []),
    ...(request.prompt ? ["--prompt", request.prompt] : []),
  ];
}

/**
 * whisper.cpp's `whisper-cli` run per clip. It loads the model every time (a second or
 * more for base models), which is why a running whisper-server is preferred when both exist.
 */
export function whisperCliBackend(options: WhisperCliOptions): SttBackend {
  return {
    name: "whisper_cli",
    transcribe(request: SttRequest): Promise<string> {
      return new Promise((resolve, reject) => {
        const child = spawn(options.path, whisperCliArgs(options, request), {
          stdio: ["pipe", "pipe", "pipe"],
          signal: request.signal,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
        child.stdin.on("error", () => {});
        child.on("error", (error) =>
          reject(
            new UserError(`cannot run ${options.path}: ${error.message}`, { code: ExitCode.unavailable }),
          ),
        );
        child.on("close", (code) => {
          if (code === 0)
            return resolve(
              stdout
                .split("\n")
                .map((l) => l.trim())
                .filter(Boolean)
                .join(" "),
            );
          const detail =
            stderr
              .split("\n")
              .filter((l) => /error/i.test(l))
              .at(-1) ?? `exit code ${code}`;
          reject(new UserError(`whisper-cli failed: ${detail.trim()}`, { code: ExitCode.unavailable }));
        });
        child.stdin.end(encodeWav(request.pcm, SPEECH_RATE));
      });
    },
  };
}
