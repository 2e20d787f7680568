/**
 * Streaming linear-interpolation resampler for mono s16le: the recorder's 16 kHz to the
 * Realtime API's 24 kHz, chunk by chunk, with no seam between chunks. Speech sits far
 * below both Nyquist limits, so linear interpolation is enough for a speech model.
 */
export class LinearResampler {
  #step: number;
  /** Position of the next output sample, in input samples of the coming chunk (-1 = previous chunk's last). */
  #pos = 0;
  #previous: number | undefined;
  #carry: Buffer = Buffer.alloc(0);

  constructor(fromRate: number, toRate: number) {
    this.#step = fromRate / toRate;
  }

  push(chunk: Buffer): Buffer {
    const data = this.#carry.length ? Buffer.concat([this.#carry, chunk]) : chunk;
    const whole = data.length - (data.length % 2);
    this.#carry = Buffer.from(data.subarray(whole));
    const n = whole / 2;
    if (n === 0) return Buffer.alloc(0);
    const sample = (i: number) => (i < 0 ? (this.#previous ?? data.readInt16LE(0)) : data.readInt16LE(i * 2));
    const out: number[] = [];
    let t = this.#pos;
    while (t <= n - 1) {
      const i0 = Math.floor(t);
      const frac = t - i0;
      const a = sample(i0);
      const b = frac === 0 ? a : sample(i0 + 1);
      out.push(Math.round(a + (b - a) * frac));
      t += this.#step;
    }
    this.#pos = t - n;
    this.#previous = sample(n - 1);
    const buffer = Buffer.alloc(out.length * 2);
    out.forEach((v, k) => {
      buffer.writeInt16LE(Math.max(-32768, Math.min(32767, v)), k * 2);
    });
    return buffer;
  }
}
