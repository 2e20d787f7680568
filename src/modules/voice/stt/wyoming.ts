import { BYTES_PER_SAMPLE, SPEECH_RATE } from "../../../desktop/audio/pcm.ts";
import { WyomingConnection } from "../wyoming.ts";
import type { SttBackend, SttRequest } from "./types.ts";

/** 1024 samples per chunk, as Wyoming satellites send them. */
const CHUNK_BYTES = 1024 * BYTES_PER_SAMPLE;
const FORMAT = { rate: SPEECH_RATE, width: BYTES_PER_SAMPLE, channels: 1 };

/**
 * A Wyoming speech-to-text service (wyoming-faster-whisper, wyoming-vosk): transcribe,
 * audio-start, audio-chunk..., audio-stop, then wait for the transcript.
 */
export function wyomingSttBackend(options: { url: string; model?: string; timeoutMs: number }): SttBackend {
  return {
    name: "wyoming",
    async transcribe(request: SttRequest): Promise<string> {
      const connection = await WyomingConnection.connect(options.url);
      const abort = () => connection.close();
      request.signal?.addEventListener("abort", abort, { once: true });
      try {
        connection.send({
          type: "transcribe",
          data: { language: request.language, ...(options.model ? { name: options.model } : {}) },
        });
        connection.send({ type: "audio-start", data: { ...FORMAT, timestamp: 0 } });
        for (let offset = 0; offset < request.pcm.length; offset += CHUNK_BYTES) {
          const payload = request.pcm.subarray(offset, offset + CHUNK_BYTES);
          const timestamp = Math.round((offset / BYTES_PER_SAMPLE / SPEECH_RATE) * 1000);
          connection.send({ type: "audio-chunk", data: { ...FORMAT, timestamp }, payload });
        }
        const end = Math.round((request.pcm.length / BYTES_PER_SAMPLE / SPEECH_RATE) * 1000);
        connection.send({ type: "audio-stop", data: { timestamp: end } });
        // Streaming servers send transcript-start/-chunk/-stop around the final transcript.
        for (;;) {
          const event = await connection.next(options.timeoutMs);
          if (event.type === "transcript") return String(event.data.text ?? "");
        }
      } finally {
        request.signal?.removeEventListener("abort", abort);
        connection.close();
      }
    },
  };
}
