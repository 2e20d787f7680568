import { ExitCode, UserError } from "../../../core/errors.ts";
import { WyomingConnection } from "../wyoming.ts";
import type { PcmChunk, TtsBackend } from "./types.ts";

/**
 * A Wyoming text-to-speech service (wyoming-piper): synthesize, then audio-start,
 * audio-chunk..., audio-stop come back. Only 16-bit audio is accepted.
 */
export function wyomingTtsBackend(options: { url: string; voice?: string; timeoutMs: number }): TtsBackend {
  return {
    name: "wyoming",
    async *synthesize(text, signal): AsyncGenerator<PcmChunk> {
      const connection = await WyomingConnection.connect(options.url);
      const abort = () => connection.close();
      signal.addEventListener("abort", abort, { once: true });
      try {
        connection.send({
          type: "synthesize",
          data: { text, ...(options.voice ? { voice: { name: options.voice } } : {}) },
        });
        let format: { rate: number; channels: number } | undefined;
        for (;;) {
          const event = await connection.next(options.timeoutMs);
          if (event.type === "audio-start" || event.type === "audio-chunk") {
            const width = Number(event.data.width ?? 2);
            if (width !== 2) {
              throw new UserError(
                `the Wyoming voice sends ${width * 8}-bit audio; only 16-bit is supported`,
                {
                  code: ExitCode.unavailable,
                },
              );
            }
            format = { rate: Number(event.data.rate), channels: Number(event.data.channels ?? 1) };
          }
          if (event.type === "audio-chunk" && event.payload && format)
            yield { pcm: event.payload, ...format };
          if (event.type === "audio-stop") return;
        }
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      } finally {
        signal.removeEventListener("abort", abort);
        connection.close();
      }
    },
  };
}
