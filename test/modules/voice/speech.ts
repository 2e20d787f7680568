import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The sentence pocketsphinx recognises exactly from eSpeak NG's voice (see TOOLCHAIN.md). */
export const SENTENCE = "what is the weather like tomorrow";

export interface SpeechFiles {
  dir: string;
  /** eSpeak NG's own output, 22.05 kHz. */
  wav22k: string;
  /** 16 kHz mono 16-bit, what recognisers take. */
  wav16k: string;
  /** The same speech as raw s16le, with a second of silence before and after. */
  padded: string;
  /** Two seconds of digital silence, 16 kHz. */
  silence: string;
  /** Two seconds of faint room noise (-50 dBFS), 16 kHz. */
  noise: string;
  pcm(file: string): Buffer;
  cleanup(): void;
}

/** espeak-ng speaks the sentence, sox makes 16 kHz mono: the test microphone. */
export function makeSpeech(text = SENTENCE): SpeechFiles {
  const dir = mkdtempSync(join(tmpdir(), "deskhub-speech-"));
  const wav22k = join(dir, "speech-22k.wav");
  const wav16k = join(dir, "speech.wav");
  const padded = join(dir, "padded.raw");
  const silence = join(dir, "silence.wav");
  const noise = join(dir, "noise.wav");
  execFileSync("espeak-ng", ["-v", "en-us", "-w", wav22k, text]);
  execFileSync("sox", [wav22k, "-r", "16000", "-c", "1", "-b", "16", wav16k]);
  execFileSync("sox", [wav16k, "-t", "raw", "-e", "signed-integer", padded, "pad", "1", "1"]);
  execFileSync("sox", [wav16k, padded.replace(/\.raw$/, ".wav"), "pad", "1", "1"]);
  execFileSync("sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", silence, "trim", "0", "2"]);
  execFileSync("sox", [
    "-n",
    "-r",
    "16000",
    "-c",
    "1",
    "-b",
    "16",
    noise,
    "synth",
    "2",
    "whitenoise",
    "vol",
    "0.003",
  ]);
  return {
    dir,
    wav22k,
    wav16k,
    padded,
    silence,
    noise,
    pcm: (file) => {
      const bytes = readFileSync(file);
      return file.endsWith(".raw") ? bytes : bytes.subarray(44);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** sox's `stat` of a WAV: duration and RMS amplitude, the measure of "is this speech". */
export function soxStat(file: string): { seconds: number; rms: number; max: number } {
  // sox prints its statistics on stderr.
  const text = execFileSync("sh", ["-c", 'sox "$0" -n stat 2>&1', file], { encoding: "utf8" });
  const value = (label: string) =>
    Number(new RegExp(`${label}:\\s+(-?[\\d.]+)`).exec(text)?.[1] ?? Number.NaN);
  return {
    seconds: value("Length \\(seconds\\)"),
    rms: value("RMS\\s+amplitude"),
    max: value("Maximum amplitude"),
  };
}

/** A capture command that plays `file` as the 16 kHz mono s16le a microphone would give. */
export const soxRaw = (file: string): string[] => [
  "sox",
  file,
  ...["-t", "raw", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-"],
];
