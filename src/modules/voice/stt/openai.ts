import type OpenAI from "openai";
import { SPEECH_RATE } from "../../../desktop/audio/pcm.ts";
import { encodeWav } from "../../../desktop/audio/wav.ts";
import { explainOpenAiError } from "../openai-client.ts";
import type { SttBackend, SttRequest } from "./types.ts";

/** OpenAI's (or a compatible server's) /audio/transcriptions through the official SDK. */
export function openaiSttBackend(client: OpenAI, options: { model: string; baseUrl?: string }): SttBackend {
  return {
    name: "openai",
    async transcribe(request: SttRequest): Promise<string> {
      const { toFile } = await import("openai");
      const file = await toFile(encodeWav(request.pcm, SPEECH_RATE), "speech.wav", { type: "audio/wav" });
      try {
        const result = await client.audio.transcriptions.create(
          {
            file,
            model: options.model,
            language: request.language,
            response_format: "json",
            ...(request.prompt ? { prompt: request.prompt } : {}),
          },
          { signal: request.signal },
        );
        return result.text;
      } catch (error) {
        throw await explainOpenAiError(error, "the transcription", options.baseUrl);
      }
    },
  };
}
