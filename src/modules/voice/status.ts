import { writeFileAtomic } from "../../core/atomic.ts";
import type { Store } from "../../core/store.ts";

export const STATES = [
  "idle",
  "recording",
  "processing",
  "listening",
  "speaking",
  "success",
  "error",
] as const;
export type VoiceState = (typeof STATES)[number];

export const ENTITY = {
  status: "voice.status",
  level: "voice.level",
  transcript: "voice.last_transcript",
  stt: "voice.stt_backend",
  trigger: "voice.trigger",
} as const;

/** The old indicator's colours, so the tray dot means what it meant before. */
export const COLOURS = {
  idle: "#808080",
  recording: "#ff3333",
  processing: "#ffcc00",
  listening: "#3399ff",
  speaking: "#9966ff",
  success: "#33cc66",
  error: "#cc0000",
} as const satisfies Record<VoiceState, `#${string}`>;

/** Transient states fall back to idle so an indicator never stays green or red. */
const SETTLE_MS: Partial<Record<VoiceState, number>> = { success: 1500, error: 5000 };

export interface TranscriptEntry {
  text: string;
  at: string;
  backend: string;
  mode: "dictation" | "ai";
  /** Milliseconds the recogniser took. */
  ms: number;
}

/** Home Assistant keeps sensor states to 255 characters; the full text is in the attributes. */
const MAX_STATE = 255;

/**
 * The voice status as entities (Home Assistant, dashboard, waybar and status files
 * read them) plus, when configured, the old indicator's status file.
 */
export class VoiceStatus {
  #store: Store;
  #statusFile: string | undefined;
  #historySize: number;
  #history: TranscriptEntry[] = [];
  #settle: NodeJS.Timeout | undefined;
  #state: VoiceState = "idle";
  #listeners = new Set<(state: VoiceState, message?: string) => void>();
  #fileWrite: Promise<void> = Promise.resolve();

  constructor(store: Store, options: { statusFile?: string; historySize?: number } = {}) {
    this.#store = store;
    this.#statusFile = options.statusFile;
    this.#historySize = options.historySize ?? 10;
  }

  define(): void {
    this.#store.define({
      id: ENTITY.status,
      kind: "sensor",
      name: "Voice status",
      deviceClass: "enum",
      options: STATES,
      icon: "mdi:microphone",
    });
    this.#store.define({
      id: ENTITY.level,
      kind: "sensor",
      name: "Microphone level",
      unit: "%",
      stateClass: "measurement",
      icon: "mdi:volume-high",
    });
    this.#store.define({
      id: ENTITY.transcript,
      kind: "sensor",
      name: "Last transcript",
      icon: "mdi:text-box",
    });
    this.#store.define({
      id: ENTITY.stt,
      kind: "sensor",
      name: "Speech recogniser",
      icon: "mdi:waveform",
      category: "diagnostic",
    });
    this.#store.define({
      id: ENTITY.trigger,
      kind: "sensor",
      name: "Push-to-talk trigger",
      icon: "mdi:keyboard",
      category: "diagnostic",
    });
    this.set("idle");
    this.level(0);
    this.#store.set(ENTITY.transcript, null, { history: [] });
  }

  get state(): VoiceState {
    return this.#state;
  }

  onChange(listener: (state: VoiceState, message?: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  set(state: VoiceState, attributes: { mode?: "dictation" | "ai"; message?: string } = {}): void {
    clearTimeout(this.#settle);
    this.#state = state;
    const attrs: Record<string, unknown> = {};
    if (attributes.mode) attrs.mode = attributes.mode;
    if (attributes.message) attrs.message = attributes.message;
    this.#store.set(ENTITY.status, state, attrs);
    for (const listener of this.#listeners) listener(state, attributes.message);
    this.#writeFile(state);
    const settle = SETTLE_MS[state];
    if (settle) {
      this.#settle = setTimeout(() => this.#state === state && this.set("idle"), settle);
      this.#settle.unref();
    }
  }

  level(percent: number): void {
    this.#store.set(ENTITY.level, Math.round(percent));
  }

  transcript(entry: TranscriptEntry): void {
    if (this.#historySize === 0) return;
    this.#history = [entry, ...this.#history].slice(0, this.#historySize);
    this.#store.set(ENTITY.transcript, entry.text.slice(0, MAX_STATE), {
      backend: entry.backend,
      mode: entry.mode,
      ms: entry.ms,
      at: entry.at,
      history: this.#history,
    });
  }

  get history(): readonly TranscriptEntry[] {
    return this.#history;
  }

  #writeFile(state: VoiceState): void {
    const file = this.#statusFile;
    if (!file) return;
    // Writes are chained so a slow disk cannot reorder two states.
    this.#fileWrite = this.#fileWrite.then(() => writeFileAtomic(file, state).catch(() => {}));
  }

  /** Waits for pending status-file writes (shutdown, tests). */
  flush(): Promise<void> {
    return this.#fileWrite;
  }

  close(): void {
    clearTimeout(this.#settle);
  }
}

/** Speech output's effect on the status: "speaking" while it lasts, then back to idle. */
export function statusFollowsSpeech(status: VoiceStatus): (speaking: boolean) => void {
  return (speaking) => {
    if (speaking) status.set("speaking");
    else if (status.state === "speaking") status.set("idle");
  };
}
