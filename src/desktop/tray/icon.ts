/** An RGB colour as `#rrggbb`. */
export type Rgb = `#${string}`;

export interface Pixmap {
  width: number;
  height: number;
  /** ARGB32 in network byte order, as StatusNotifierItem's IconPixmap wants. */
  data: Buffer;
}

function channels(colour: Rgb): [number, number, number] {
  const n = Number.parseInt(colour.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

/**
 * A filled, antialiased disc with a darker rim: the old indicator's coloured dot, drawn
 * at the sizes tray hosts ask for, so no icon theme or image file is needed.
 */
export function dotPixmap(colour: Rgb, size: number): Pixmap {
  const [r, g, b] = channels(colour);
  const data = Buffer.alloc(size * size * 4);
  const centre = (size - 1) / 2;
  const radius = size * 0.42;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const distance = Math.hypot(x - centre, y - centre);
      const coverage = Math.max(0, Math.min(1, radius - distance + 0.5));
      const rim = distance > radius - 1.5 ? 0.7 : 1;
      const offset = (y * size + x) * 4;
      data[offset] = Math.round(coverage * 255);
      data[offset + 1] = Math.round(r * rim);
      data[offset + 2] = Math.round(g * rim);
      data[offset + 3] = Math.round(b * rim);
    }
  }
  return { width: size, height: size, data };
}

/** The colour of the pixel at the centre, for checking what a host would show. */
export function centreColour(pixmap: Pixmap): Rgb {
  const mid = Math.floor(pixmap.height / 2) * pixmap.width + Math.floor(pixmap.width / 2);
  const [, r, g, b] = pixmap.data.subarray(mid * 4, mid * 4 + 4);
  return `#${[r, g, b].map((v) => (v ?? 0).toString(16).padStart(2, "0")).join("")}`;
}
