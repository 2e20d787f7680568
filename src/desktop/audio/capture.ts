import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, UserError } from "../../core/errors.ts";
import { which } from "../../core/proc.ts";
import { SPEECH_RATE } from "./pcm.ts";

export const CAPTURE_PROGRAMS = ["pw-record", "parecord", "arecord", "ffmpeg"] as const;
export type CaptureProgram = (typeof CAPTURE_PROGRAMS)[number];

export interface CaptureCommand {
  program: string;
  argv: string[];
}

function helpText(path: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(path, ["--help"], { timeout: 3000 }, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
}

/**
 * The arguments that make each recorder write 16 kHz mono s16le to stdout with small
 * buffers: their defaults hold back 100 ms to 2 s of audio before the first write,
 * which is exactly the "first words lost" complaint.
 */
export async function captureArgv(
  program: CaptureProgram,
  path: string,
  env: NodeJS.ProcessEnv,
): Promise<string[]> {
  const rate = String(SPEECH_RATE);
  switch (program) {
    case "pw-record": {
      // Raw output arrived in PipeWire 0.3.77; older pw-record writes a WAV stream to a
      // pipe, whose header the recorder strips.
      const raw = (await helpText(path)).includes("--raw") ? ["--raw"] : [];
      return [path, ...raw, "--rate", rate, "--channels", "1", "--format", "s16", "--latency", "20ms", "-"];
    }
    case "parecord":
      return [path, "--raw", "--format=s16le", `--rate=${rate}`, "--channels=1", "--latency-msec=20"];
    case "arecord":
      return [path, "-q", "-t", "raw", "-f", "S16_LE", "-r", rate, "-c", "1", "--period-time=20000"];
    case "ffmpeg": {
      const pulse =
        env.PULSE_SERVER || (env.XDG_RUNTIME_DIR && existsSync(join(env.XDG_RUNTIME_DIR, "pulse/native")));
      const input = pulse ? ["-f", "pulse", "-i", "default"] : ["-f", "alsa", "-i", "default"];
      return [
        path,
        ...["-hide_banner", "-loglevel", "error", "-nostdin", "-fflags", "nobuffer"],
        ...input,
        ...["-ac", "1", "-ar", rate, "-f", "s16le", "-flush_packets", "1", "-"],
      ];
    }
  }
}

/** The first capture program installed, in the order PipeWire, PulseAudio, ALSA, ffmpeg. */
export async function detectCapture(
  env: NodeJS.ProcessEnv = process.env,
  prefer?: CaptureProgram,
): Promise<CaptureCommand> {
  const order = prefer ? [prefer] : CAPTURE_PROGRAMS;
  for (const program of order) {
    const path = await which(program, env);
    if (path) return { program, argv: await captureArgv(program, path, env) };
  }
  throw new UserError(prefer ? `${prefer} is not installed` : "no audio capture program found", {
    code: ExitCode.unavailable,
    hint: "install pipewire-bin (pw-record), pulseaudio-utils (parecord), alsa-utils (arecord) or ffmpeg, or set voice.recording.command",
  });
}
