import type OpenAI from "openai";
import { explainOpenAiError } from "../openai-client.ts";
import type { PcmChunk, TtsBackend } from "./types.ts";

/** OpenAI's `pcm` response format: 24 kHz, mono, signed 16-bit little endian. */
const OPENAI_PCM = { rate: 24_000, channels: 1 };

/** OpenAI TTS through the SDK, streamed as raw PCM so playback starts with the first bytes. */
export function openaiTtsBackend(
  client: OpenAI,
  options: { model: string; voice: string; baseUrl?: string },
): TtsBackend {
  return {
    name: "openai",
    async *synthesize(text, signal): AsyncGenerator<PcmChunk> {
      let response: Response;
      try {
        response = await client.audio.speech.create(
          { model: options.model, voice: options.voice, input: text, response_format: "pcm" },
          { signal },
        );
      } catch (error) {
        throw await explainOpenAiError(error, "speech synthesis", options.baseUrl);
      }
      if (!response.body) return;
      let carry = Buffer.alloc(0);
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const data = Buffer.concat([carry, chunk]);
        const whole = data.length - (data.length % 2);
        carry = Buffer.from(data.subarray(whole));
        if (whole > 0) yield { pcm: data.subarray(0, whole), ...OPENAI_PCM };
      }
    },
  };
}
