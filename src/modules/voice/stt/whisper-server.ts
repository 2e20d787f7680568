import { z } from "zod";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { SPEECH_RATE } from "../../../desktop/audio/pcm.ts";
import { encodeWav } from "../../../desktop/audio/wav.ts";
import { audioContextFor } from "./audio-ctx.ts";
import type { SttBackend, SttRequest } from "./types.ts";

/** whisper.cpp's server answers 200 with `{"error": ...}` on failure, `{"text": ...}` otherwise. */
const Reply = z.looseObject({ text: z.string().optional(), error: z.string().optional() });

/** A running whisper.cpp `whisper-server`: the model stays loaded, so each clip is fast. */
export function whisperServerBackend(options: {
  url: string;
  timeoutMs: number;
  shrinkAudioCtx: boolean;
}): SttBackend {
  const endpoint = new URL(
    "inference",
    options.url.endsWith("/") ? options.url : `${options.url}/`,
  ).toString();
  return {
    name: "whisper_server",
    async transcribe(request: SttRequest): Promise<string> {
      const form = new FormData();
      form.set(
        "file",
        new Blob([new Uint8Array(encodeWav(request.pcm, SPEECH_RATE))], { type: "audio/wav" }),
        "speech.wav",
      );
      form.set("response_format", "json");
      form.set("temperature", "0.0");
      form.set("language", request.language);
      if (request.prompt) form.set("prompt", request.prompt);
      if (options.shrinkAudioCtx) form.set("audio_ctx", String(audioContextFor(request.pcm)));
      const signal = request.signal
        ? AbortSignal.any([request.signal, AbortSignal.timeout(options.timeoutMs)])
        : AbortSignal.timeout(options.timeoutMs);
      let response: Response;
      try {
        response = await fetch(endpoint, { method: "POST", body: form, signal });
      } catch (error) {
        throw new UserError(`cannot reach whisper-server at ${options.url}: ${(error as Error).message}`, {
          code: ExitCode.unavailable,
          hint: "start it (whisper-server -m MODEL --port 8080) or fix voice.whisper_server.url",
        });
      }
      const body = await response.text();
      let reply: z.output<typeof Reply>;
      try {
        reply = Reply.parse(JSON.parse(body));
      } catch {
        throw new UserError(
          `whisper-server answered ${response.status} with something that is not its JSON`,
          {
            code: ExitCode.unavailable,
          },
        );
      }
      if (!response.ok || reply.error !== undefined || reply.text === undefined) {
        throw new UserError(`whisper-server failed: ${reply.error ?? `HTTP ${response.status}`}`, {
          code: ExitCode.unavailable,
        });
      }
      return reply.text;
    },
  };
}
