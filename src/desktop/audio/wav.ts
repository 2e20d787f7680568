import { ExitCode, UserError } from "../../core/errors.ts";

export interface WavInfo {
  rate: number;
  channels: number;
  bitsPerSample: number;
  /** 1 = integer PCM, 3 = float, 0xfffe = extensible. */
  format: number;
  data: Uint8Array;
}

/** A canonical 44-byte RIFF/WAVE header followed by the samples. */
export function encodeWav(pcm: Uint8Array, rate: number, channels = 1, bitsPerSample = 16): Buffer {
  const header = Buffer.alloc(44);
  const blockAlign = channels * (bitsPerSample / 8);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bitsPerSample, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

export function isWav(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 12 &&
    Buffer.from(bytes.subarray(0, 4)).toString("ascii") === "RIFF" &&
    Buffer.from(bytes.subarray(8, 12)).toString("ascii") === "WAVE"
  );
}

/**
 * Reads the fmt and data chunks of a RIFF/WAVE file, skipping the others (LIST, fact)
 * that editors add. Streams written before their length was known (data size 0 or
 * 0xffffffff, as sox and ffmpeg write to a pipe) run to the end of the file.
 */
export function parseWav(bytes: Uint8Array, name = "input"): WavInfo {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isWav(buf)) throw new UserError(`${name} is not a WAV file`, { code: ExitCode.dataErr });
  let offset = 12;
  let fmt: Omit<WavInfo, "data"> | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString("ascii", offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === "data") {
      if (!fmt) break;
      const end = size === 0 || size === 0xffffffff ? buf.length : Math.min(buf.length, body + size);
      return { ...fmt, data: buf.subarray(body, end) };
    }
    offset = body + size + (size % 2);
  }
  throw new UserError(`${name} has no ${fmt ? "data" : "fmt"} chunk; it is not a complete WAV file`, {
    code: ExitCode.dataErr,
  });
}
