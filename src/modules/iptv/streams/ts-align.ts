const PACKET = 188;
const SYNC = 0x47;

/**
 * Where the next whole MPEG-TS packet starts in `chunk`, given how many bytes of the
 * stream came before it; -1 when the chunk holds no packet start. A viewer who joins a
 * shared channel mid-stream starts on a packet boundary, so its player locks on at once.
 */
export function packetStart(chunk: Uint8Array, offset: number): number {
  const expected = (PACKET - (offset % PACKET)) % PACKET;
  if (
    expected < chunk.length &&
    chunk[expected] === SYNC &&
    (expected + PACKET >= chunk.length || chunk[expected + PACKET] === SYNC)
  ) {
    return expected;
  }
  for (let i = 0; i < chunk.length; i++) {
    if (chunk[i] === SYNC && (i + PACKET >= chunk.length || chunk[i + PACKET] === SYNC)) return i;
  }
  return -1;
}
