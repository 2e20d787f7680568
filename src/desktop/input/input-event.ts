/** Event types and values from linux/input-event-codes.h. */
export const EV_SYN = 0;
export const EV_KEY = 1;
export const EV_MSC = 4;
export const KEY_RELEASE = 0;
export const KEY_PRESS = 1;
export const KEY_REPEAT = 2;

export interface InputEvent {
  /** Kernel timestamp in microseconds. */
  timeUs: number;
  type: number;
  code: number;
  value: number;
}

/**
 * `struct input_event` is a `struct timeval` (two longs) then type u16, code u16,
 * value s32: 24 bytes where long is 64 bits, 16 on 32-bit kernels.
 */
export const INPUT_EVENT_SIZE = ["x64", "arm64", "ppc64", "s390x", "riscv64", "loong64", "mips64el"].includes(
  process.arch,
)
  ? 24
  : 16;

export function parseInputEvent(buf: Uint8Array, offset = 0, size = INPUT_EVENT_SIZE): InputEvent {
  const view = new DataView(buf.buffer, buf.byteOffset + offset, size);
  const long = size === 24 ? 8 : 4;
  const seconds = long === 8 ? Number(view.getBigInt64(0, true)) : view.getInt32(0, true);
  const micros = long === 8 ? Number(view.getBigInt64(8, true)) : view.getInt32(4, true);
  return {
    timeUs: seconds * 1_000_000 + micros,
    type: view.getUint16(long * 2, true),
    code: view.getUint16(long * 2 + 2, true),
    value: view.getInt32(long * 2 + 4, true),
  };
}

export function encodeInputEvent(event: InputEvent, size = INPUT_EVENT_SIZE): Buffer {
  const buf = Buffer.alloc(size);
  const long = size === 24 ? 8 : 4;
  const seconds = Math.floor(event.timeUs / 1_000_000);
  const micros = event.timeUs % 1_000_000;
  if (long === 8) {
    buf.writeBigInt64LE(BigInt(seconds), 0);
    buf.writeBigInt64LE(BigInt(micros), 8);
  } else {
    buf.writeInt32LE(seconds, 0);
    buf.writeInt32LE(micros, 4);
  }
  buf.writeUInt16LE(event.type, long * 2);
  buf.writeUInt16LE(event.code, long * 2 + 2);
  buf.writeInt32LE(event.value, long * 2 + 4);
  return buf;
}

/** Splits a byte stream into whole events, keeping a partial event for the next chunk. */
export class InputEventReader {
  #size: number;
  #carry = Buffer.alloc(0);

  constructor(size = INPUT_EVENT_SIZE) {
    this.#size = size;
  }

  push(chunk: Uint8Array): InputEvent[] {
    const data = this.#carry.length ? Buffer.concat([this.#carry, chunk]) : Buffer.from(chunk);
    const events: InputEvent[] = [];
    let offset = 0;
    for (; offset + this.#size <= data.length; offset += this.#size)
      events.push(parseInputEvent(data, offset, this.#size));
    this.#carry = Buffer.from(data.subarray(offset));
    return events;
  }
}
