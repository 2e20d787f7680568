import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { ExitCode, UserError } from "../../core/errors.ts";
import { which } from "../../core/proc.ts";
import { SPEECH_RATE } from "./pcm.ts";
import { isWav, parseWav } from "./wav.ts";

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Converts any audio ffmpeg can read to speech PCM, in memory through pipes. */
async function convert(bytes: Buffer, name: string, env: NodeJS.ProcessEnv): Promise<Buffer> {
  const ffmpeg = await which("ffmpeg", env);
  if (!ffmpeg) {
    throw new UserError(`${name} is not 16 kHz mono 16-bit WAV and ffmpeg is not installed to convert it`, {
      code: ExitCode.unavailable,
      hint: "install ffmpeg, or convert first: sox IN.wav -r 16000 -c 1 -b 16 OUT.wav",
    });
  }
  const child = spawn(
    ffmpeg,
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-i",
      "pipe:0",
      "-ac",
      "1",
      "-ar",
      String(SPEECH_RATE),
      "-f",
      "s16le",
      "-",
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  child.stdin.on("error", () => {});
  child.stdin.end(bytes);
  const [out, err, code] = await Promise.all([
    readAll(child.stdout),
    readAll(child.stderr),
    new Promise<number | null>((resolve) => child.on("close", resolve)),
  ]);
  if (code !== 0) {
    throw new UserError(
      `cannot decode ${name}: ${err.toString().trim().split("\n").at(-1) ?? "ffmpeg failed"}`,
      {
        code: ExitCode.dataErr,
        hint: "give a WAV, FLAC, MP3 or OGG file, or raw 16 kHz mono s16le with a .raw extension",
      },
    );
  }
  return out;
}

/**
 * Reads an audio file (or stdin for `-`) as speech PCM. 16 kHz mono 16-bit WAV and
 * `.raw`/`.pcm` files are used as they are; anything else goes through ffmpeg.
 */
export async function readSpeechFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const name = path === "-" ? "standard input" : path;
  let bytes: Buffer;
  try {
    bytes = path === "-" ? await readAll(process.stdin) : await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read ${name}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`,
      {
        code: code === "EACCES" ? ExitCode.noPerm : ExitCode.dataErr,
      },
    );
  }
  if (/\.(raw|pcm|s16)$/i.test(path)) return bytes;
  if (isWav(bytes)) {
    const wav = parseWav(bytes, name);
    if (wav.format === 1 && wav.rate === SPEECH_RATE && wav.channels === 1 && wav.bitsPerSample === 16) {
      return Buffer.from(wav.data);
    }
  }
  return convert(bytes, name, env);
}
