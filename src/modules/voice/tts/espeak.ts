import { synthProcess } from "./process-stream.ts";
import type { TtsBackend } from "./types.ts";

/** eSpeak NG: robotic but instant and offline; writes WAV (22.05 kHz) to stdout. */
export function espeakBackend(options: { path: string; voice: string; wordsPerMinute: number }): TtsBackend {
  return {
    name: "espeak",
    synthesize(text, signal) {
      // Text goes in on stdin: no argument can be taken for an option.
      const argv = [options.path, "-v", options.voice, "-s", String(options.wordsPerMinute), "--stdout"];
      return synthProcess({ argv, text, signal });
    },
  };
}
