import { ExitCode, UserError } from "../../core/errors.ts";
import { SPEECH_RATE } from "./pcm.ts";

export interface StreamFormat {
  rate: number;
  channels: number;
  bitsPerSample: number;
}

/**
 * Reads a WAV file as it streams (espeak-ng --stdout, older pw-record to a pipe): the
 * header is parsed once the fmt and data chunks arrived, the samples pass through.
 * A stream that does not start with "RIFF" is taken as raw PCM.
 */
export class WavStreamParser {
  #state: "sniff" | "header" | "pcm" = "sniff";
  #pending = Buffer.alloc(0);
  format: StreamFormat | undefined;

  /** Returns the samples in this chunk (none while the header is still incomplete). */
  push(chunk: Buffer): Buffer {
    if (this.#state === "pcm") return chunk;
    this.#pending = Buffer.concat([this.#pending, chunk]);
    if (this.#state === "sniff") {
      if (this.#pending.length < 4) return Buffer.alloc(0);
      if (this.#pending.toString("ascii", 0, 4) !== "RIFF") return this.#release();
      this.#state = "header";
    }
    return this.#header();
  }

  #release(): Buffer {
    this.#state = "pcm";
    const out = this.#pending;
    this.#pending = Buffer.alloc(0);
    return out;
  }

  #header(): Buffer {
    const buf = this.#pending;
    let offset = 12;
    while (offset + 8 <= buf.length) {
      const id = buf.toString("ascii", offset, offset + 4);
      const size = buf.readUInt32LE(offset + 4);
      if (id === "fmt ") {
        if (offset + 8 + 16 > buf.length) return Buffer.alloc(0);
        this.format = {
          channels: buf.readUInt16LE(offset + 10),
          rate: buf.readUInt32LE(offset + 12),
          bitsPerSample: buf.readUInt16LE(offset + 22),
        };
      } else if (id === "data") {
        this.#pending = buf.subarray(offset + 8);
        return this.#release();
      }
      offset += 8 + size + (size % 2);
    }
    return Buffer.alloc(0);
  }
}

/**
 * For capture streams: strips a WAV header if the program wrote one and checks that
 * the format is what speech recognition needs.
 */
export class WavHeaderStripper {
  #parser = new WavStreamParser();
  #checked = false;
  #name: string;

  constructor(name: string) {
    this.#name = name;
  }

  push(chunk: Buffer): Buffer {
    const out = this.#parser.push(chunk);
    const format = this.#parser.format;
    if (format && !this.#checked) {
      this.#checked = true;
      if (format.channels !== 1 || format.rate !== SPEECH_RATE || format.bitsPerSample !== 16) {
        throw new UserError(
          `${this.#name} writes ${format.rate} Hz, ${format.channels} channel(s), ${format.bitsPerSample}-bit audio; speech needs ${SPEECH_RATE} Hz mono 16-bit`,
          { code: ExitCode.config, hint: "fix the capture command's rate/channel/format options" },
        );
      }
    }
    return out;
  }
}
