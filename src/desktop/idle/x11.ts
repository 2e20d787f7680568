import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { which } from "../../core/proc.ts";
import { type IdleReading, type IdleSource, SourceUnavailable } from "./source.ts";
import { X11Connection } from "./x11-protocol.ts";

const run = promisify(execFile);

/**
 * X11 sessions: the XScreenSaver extension's idle time, asked over the X protocol
 * directly, with xprintidle as the fallback when the direct connection is refused.
 * Under Wayland, XWayland only sees input to X clients, so this source steps aside.
 */
export class X11Idle implements IdleSource {
  readonly name = "x11" as const;
  #env: NodeJS.ProcessEnv;
  #connection: X11Connection | undefined;
  #xprintidle: string | undefined;
  /** `native` or `xprintidle`, for the backend entity. */
  via: "native" | "xprintidle" | undefined;

  constructor(env: NodeJS.ProcessEnv) {
    this.#env = env;
  }

  async open(): Promise<void> {
    const display = this.#env.DISPLAY;
    if (!display) throw new SourceUnavailable("no X display (DISPLAY is unset)");
    if (this.#env.WAYLAND_DISPLAY || this.#env.XDG_SESSION_TYPE === "wayland") {
      throw new SourceUnavailable("a Wayland session: XWayland does not see native Wayland input");
    }
    let nativeError: Error;
    try {
      this.#connection = await X11Connection.open(display, this.#env);
      await this.#connection.idleMs();
      this.via = "native";
      return;
    } catch (error) {
      this.#connection?.close();
      this.#connection = undefined;
      nativeError = error as Error;
    }
    this.#xprintidle = await which("xprintidle", this.#env);
    if (!this.#xprintidle)
      throw new SourceUnavailable(`${nativeError.message}; xprintidle is not installed either`);
    await this.read();
    this.via = "xprintidle";
  }

  async read(): Promise<IdleReading> {
    if (this.#xprintidle) {
      const { stdout } = await run(this.#xprintidle, [], { env: this.#env, timeout: 3000 });
      const ms = Number(stdout.trim());
      if (!Number.isFinite(ms)) throw new Error(`xprintidle printed ${JSON.stringify(stdout.trim())}`);
      return { idleMs: ms };
    }
    if (!this.#connection || this.#connection.closed) {
      this.#connection = await X11Connection.open(this.#env.DISPLAY ?? "", this.#env);
    }
    return { idleMs: await this.#connection.idleMs() };
  }

  async close(): Promise<void> {
    this.#connection?.close();
    this.#connection = undefined;
  }
}
