import { connect, type Socket } from "node:net";
import { localCookie } from "./xauthority.ts";

/** `:0`, `:1.0`, `unix:0`, `localhost:10.0` → where to connect. */
export function parseDisplay(display: string): { host: string; number: number } | undefined {
  const match = /^(?:([^:]*?)(?:\/unix)?)?:(\d+)(?:\.\d+)?$/.exec(display.trim());
  if (!match) return undefined;
  return { host: match[1] ?? "", number: Number(match[2]) };
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

interface Pending {
  resolve(reply: Buffer): void;
  reject(error: Error): void;
}

/**
 * Just enough of the X11 wire protocol to ask the MIT-SCREEN-SAVER extension how long
 * the user has been idle: setup, QueryExtension and ScreenSaverQueryInfo over one
 * persistent socket, so a poll costs a round trip instead of a subprocess.
 */
export class X11Connection {
  readonly root: number;
  #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #sequence = 0;
  #pending = new Map<number, Pending>();
  #screenSaverOpcode: number | undefined;
  #closed = false;

  private constructor(socket: Socket, root: number, rest: Buffer) {
    this.#socket = socket;
    this.root = root;
    socket.on("data", (chunk: Buffer) => this.#receive(chunk));
    const fail = (error?: Error) => {
      this.#closed = true;
      for (const pending of this.#pending.values())
        pending.reject(error ?? new Error("X server closed the connection"));
      this.#pending.clear();
    };
    socket.on("error", fail);
    socket.on("close", () => fail());
    if (rest.length) this.#receive(rest);
  }

  static async open(display: string, env: NodeJS.ProcessEnv, timeoutMs = 2000): Promise<X11Connection> {
    const target = parseDisplay(display);
    if (!target) throw new Error(`cannot parse DISPLAY=${display}`);
    // The cookie is read first: awaiting it after connect() could miss the connect event.
    const cookie = await localCookie(target.number, env);
    const local = target.host === "" || target.host === "unix";
    const socket = local
      ? connect(`/tmp/.X11-unix/X${target.number}`)
      : connect({ host: target.host, port: 6000 + target.number });
    try {
      return await new Promise<X11Connection>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`X server at ${display} did not answer in ${timeoutMs} ms`)),
          timeoutMs,
        );
        let received = Buffer.alloc(0);
        const onData = (chunk: Buffer) => {
          received = Buffer.concat([received, chunk]);
          if (received.length < 8) return;
          const total = 8 + received.readUInt16LE(6) * 4;
          if (received.length < total) return;
          clearTimeout(timer);
          socket.off("data", onData);
          socket.off("error", onError);
          try {
            const root = parseSetup(received.subarray(0, total));
            resolve(new X11Connection(socket, root, received.subarray(total)));
          } catch (error) {
            reject(error);
          }
        };
        const onError = (error: Error) => {
          clearTimeout(timer);
          reject(new Error(`cannot connect to X display ${display}: ${error.message}`));
        };
        socket.on("data", onData);
        socket.once("error", onError);
        socket.once("connect", () => socket.write(setupRequest(cookie)));
      });
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    while (this.#buffer.length >= 32) {
      const type = this.#buffer[0]!;
      const length = type === 1 || (type & 0x7f) === 35 ? 32 + this.#buffer.readUInt32LE(4) * 4 : 32;
      if (this.#buffer.length < length) return;
      const packet = this.#buffer.subarray(0, length);
      this.#buffer = this.#buffer.subarray(length);
      if (type > 1) continue; // an event; none are selected, but the server may send some
      const sequence = packet.readUInt16LE(2);
      const pending = this.#pending.get(sequence);
      if (!pending) continue;
      this.#pending.delete(sequence);
      if (type === 1) pending.resolve(Buffer.from(packet));
      else pending.reject(new Error(`X11 error code ${packet[1]} (major opcode ${packet[10]})`));
    }
  }

  #request(data: Buffer): Promise<Buffer> {
    if (this.#closed) return Promise.reject(new Error("X server connection is closed"));
    this.#sequence = (this.#sequence + 1) & 0xffff;
    const sequence = this.#sequence;
    return new Promise((resolve, reject) => {
      this.#pending.set(sequence, { resolve, reject });
      this.#socket.write(data);
    });
  }

  async queryExtension(name: string): Promise<number | undefined> {
    const bytes = Buffer.from(name, "latin1");
    const request = Buffer.alloc(8 + bytes.length + pad4(bytes.length));
    request[0] = 98;
    request.writeUInt16LE(request.length / 4, 2);
    request.writeUInt16LE(bytes.length, 4);
    bytes.copy(request, 8);
    const reply = await this.#request(request);
    return reply[8] ? reply[9] : undefined;
  }

  /** Milliseconds since the last keyboard or pointer input on this display. */
  async idleMs(): Promise<number> {
    this.#screenSaverOpcode ??= await this.queryExtension("MIT-SCREEN-SAVER");
    if (this.#screenSaverOpcode === undefined)
      throw new Error("the X server has no MIT-SCREEN-SAVER extension");
    const request = Buffer.alloc(8);
    request[0] = this.#screenSaverOpcode;
    request[1] = 1; // ScreenSaverQueryInfo
    request.writeUInt16LE(2, 2);
    request.writeUInt32LE(this.root, 4);
    const reply = await this.#request(request);
    return reply.readUInt32LE(16);
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }
}

function setupRequest(cookie: { name: string; data: Buffer } | undefined): Buffer {
  const name = Buffer.from(cookie?.name ?? "", "latin1");
  const data = cookie?.data ?? Buffer.alloc(0);
  const out = Buffer.alloc(12 + name.length + pad4(name.length) + data.length + pad4(data.length));
  out[0] = 0x6c; // 'l': little-endian from here on
  out.writeUInt16LE(11, 2);
  out.writeUInt16LE(0, 4);
  out.writeUInt16LE(name.length, 6);
  out.writeUInt16LE(data.length, 8);
  name.copy(out, 12);
  data.copy(out, 12 + name.length + pad4(name.length));
  return out;
}

function parseSetup(reply: Buffer): number {
  const status = reply[0];
  if (status !== 1) {
    const reasonLength = status === 0 ? reply[1]! : reply.length - 8;
    const reason = reply
      .subarray(8, 8 + reasonLength)
      .toString("latin1")
      .replace(/\0+$/, "")
      .trim();
    throw new Error(
      `X server refused the connection: ${reason || "authorization required"} (check XAUTHORITY)`,
    );
  }
  const vendorLength = reply.readUInt16LE(24);
  const formats = reply[29]!;
  const screens = 40 + vendorLength + pad4(vendorLength) + formats * 8;
  return reply.readUInt32LE(screens);
}
