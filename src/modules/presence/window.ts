import type { Logger } from "../../core/log.ts";
import {
  type ActiveWindow,
  activeWindow,
  hyprlandEventSocket,
  watchHyprlandWindows,
  windowBackend,
} from "../../desktop/session-actions.ts";

export interface WindowState {
  window: ActiveWindow | undefined;
  /** `hyprctl (events)`, `hyprctl`, `xdotool`, or `none: why`. */
  backend: string;
}

/**
 * Follows the focused window: Hyprland pushes focus changes on its event socket; on
 * X11 xdotool is asked every `pollMs`.
 */
export class WindowWatcher {
  #env: NodeJS.ProcessEnv;
  #pollMs: number;
  #log: Logger | undefined;
  #onChange: (state: WindowState) => void;
  #timer: NodeJS.Timeout | undefined;
  #events: { close(): void } | undefined;
  #running = false;
  #last = "";
  #lastWindow: ActiveWindow | undefined;

  constructor(options: {
    env: NodeJS.ProcessEnv;
    pollMs: number;
    log?: Logger;
    onChange(state: WindowState): void;
  }) {
    this.#env = options.env;
    this.#pollMs = options.pollMs;
    this.#log = options.log;
    this.#onChange = options.onChange;
  }

  async start(): Promise<void> {
    this.#running = true;
    const { backend, reason } = await windowBackend(this.#env);
    if (backend === "none") {
      this.#emit({ window: undefined, backend: `none: ${reason}` });
      return;
    }
    await this.#poll(backend);
    const socket = backend === "hyprctl" ? hyprlandEventSocket(this.#env) : undefined;
    if (socket) {
      this.#events = watchHyprlandWindows(
        socket,
        (window) => this.#emit({ window, backend: "hyprctl (events)" }),
        (error) => {
          this.#log?.warn({ err: error }, "Hyprland event socket closed; polling hyprctl");
          this.#events = undefined;
          this.#schedule(backend);
        },
      );
      this.#emit({ window: this.#lastWindow, backend: "hyprctl (events)" });
    } else {
      this.#schedule(backend);
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#events?.close();
    this.#events = undefined;
  }

  async #poll(backend: "hyprctl" | "xdotool"): Promise<void> {
    try {
      this.#emit({ window: await activeWindow(this.#env, backend), backend });
    } catch (error) {
      this.#log?.debug({ err: error }, "active window query failed");
    }
  }

  #schedule(backend: "hyprctl" | "xdotool"): void {
    if (!this.#running) return;
    this.#timer = setTimeout(async () => {
      await this.#poll(backend);
      this.#schedule(backend);
    }, this.#pollMs);
  }

  #emit(state: WindowState): void {
    this.#lastWindow = state.window;
    const key = JSON.stringify(state);
    if (key === this.#last) return;
    this.#last = key;
    this.#onChange(state);
  }
}
