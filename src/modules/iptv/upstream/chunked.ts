const CR = 0x0d;
const LF = 0x0a;

/**
 * Decodes an HTTP/1.1 chunked body as it arrives, handing out the data as slices of the
 * buffers it was read into (no copies). Chunk extensions and trailers are skipped.
 */
export class ChunkedDecoder {
  #state: "size" | "extension" | "size-lf" | "data" | "data-cr" | "data-lf" | "trailer" | "done" = "size";
  #size = 0;
  #remaining = 0;
  #sawDigit = false;
  /** Characters of the current trailer line; an empty line ends the body. */
  #trailerLine = 0;

  get done(): boolean {
    return this.#state === "done";
  }

  /** Feeds bytes; `data` gets each piece of body. Throws on a malformed body. */
  push(chunk: Buffer, data: (slice: Buffer) => void): void {
    let i = 0;
    while (i < chunk.length && this.#state !== "done") {
      switch (this.#state) {
        case "data": {
          const take = Math.min(this.#remaining, chunk.length - i);
          data(chunk.subarray(i, i + take));
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) this.#state = "data-cr";
          break;
        }
        case "size": {
          const byte = chunk[i++]!;
          const digit =
            byte >= 0x30 && byte <= 0x39
              ? byte - 0x30
              : byte >= 0x61 && byte <= 0x66
                ? byte - 0x57
                : byte >= 0x41 && byte <= 0x46
                  ? byte - 0x37
                  : -1;
          if (digit >= 0) {
            this.#size = this.#size * 16 + digit;
            this.#sawDigit = true;
            if (this.#size > 0x7fffffff) throw new Error("a chunk size too large");
          } else if (byte === CR && this.#sawDigit) this.#state = "size-lf";
          else if ((byte === 0x3b || byte === 0x20 || byte === 0x09) && this.#sawDigit)
            this.#state = "extension";
          else throw new Error("a malformed chunk size");
          break;
        }
        case "extension":
          if (chunk[i++] === CR) this.#state = "size-lf";
          break;
        case "size-lf":
          if (chunk[i++] !== LF) throw new Error("a malformed chunk header");
          if (this.#size === 0) {
            this.#state = "trailer";
            this.#trailerLine = 0;
          } else {
            this.#remaining = this.#size;
            this.#state = "data";
          }
          this.#size = 0;
          this.#sawDigit = false;
          break;
        case "data-cr":
          if (chunk[i++] !== CR) throw new Error("a chunk without its line end");
          this.#state = "data-lf";
          break;
        case "data-lf":
          if (chunk[i++] !== LF) throw new Error("a chunk without its line end");
          this.#state = "size";
          break;
        case "trailer": {
          const byte = chunk[i++]!;
          if (byte === LF) {
            if (this.#trailerLine === 0) this.#state = "done";
            this.#trailerLine = 0;
          } else if (byte !== CR) this.#trailerLine++;
          break;
        }
      }
    }
  }
}
