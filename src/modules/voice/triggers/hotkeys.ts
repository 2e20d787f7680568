import { KEY_PRESS, KEY_RELEASE } from "../../../desktop/input/input-event.ts";
import type { TurnKind } from "../pipeline/turn.ts";

export interface HotkeyActions {
  start(kind: TurnKind): void;
  stop(kind: TurnKind): void;
  cancel(): void;
  interrupt(): void;
  recording(): boolean;
}

export interface HotkeyCodes {
  ptt: number;
  ai: number;
  interrupt: number;
  mode: "hold" | "toggle";
}

/**
 * Turns raw key presses into push-to-talk actions. Hold mode: the key down records,
 * the key up stops; the AI key held at any point during the recording makes it an AI
 * turn. Another key pressed while the push-to-talk key is held means the user was
 * typing a shortcut (right Ctrl + C), so the recording is dropped.
 */
export class HotkeyMachine {
  #codes: HotkeyCodes;
  #actions: HotkeyActions;
  #held = new Set<number>();
  #aiSeen = false;
  #byUs = false;
  #waiters: Array<() => void> = [];

  constructor(codes: HotkeyCodes, actions: HotkeyActions) {
    this.#codes = codes;
    this.#actions = actions;
  }

  key(code: number, value: number): void {
    if (value === KEY_RELEASE) {
      this.#held.delete(code);
      if (code === this.#codes.ptt && this.#codes.mode === "hold" && this.#byUs) {
        this.#byUs = false;
        this.#actions.stop(this.#aiSeen ? "ai" : "dictation");
      }
      if (!this.#held.has(this.#codes.ptt) && !this.#held.has(this.#codes.ai)) {
        for (const waiter of this.#waiters.splice(0)) waiter();
      }
      return;
    }
    if (value !== KEY_PRESS) return;
    this.#held.add(code);
    if (code === this.#codes.interrupt) {
      this.#byUs = false;
      this.#actions.interrupt();
      return;
    }
    if (code === this.#codes.ai) {
      if (this.#byUs) this.#aiSeen = true;
      return;
    }
    if (code === this.#codes.ptt) {
      const kind: TurnKind = this.#held.has(this.#codes.ai) ? "ai" : "dictation";
      if (this.#codes.mode === "toggle") {
        if (this.#actions.recording()) this.#actions.stop(kind === "ai" || this.#aiSeen ? "ai" : "dictation");
        else {
          this.#aiSeen = kind === "ai";
          this.#actions.start(kind);
        }
        return;
      }
      this.#aiSeen = kind === "ai";
      this.#byUs = true;
      this.#actions.start(kind);
      return;
    }
    if (this.#byUs && this.#held.has(this.#codes.ptt)) {
      this.#byUs = false;
      this.#actions.cancel();
    }
  }

  /** Resolves when neither the push-to-talk nor the AI key is held. */
  keysReleased(): Promise<void> {
    if (!this.#held.has(this.#codes.ptt) && !this.#held.has(this.#codes.ai)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
