/** The idle sources, in the order the chain tries them. */
export const IDLE_BACKENDS = ["mutter", "screensaver", "swayidle", "hooks", "x11", "logind"] as const;
export type IdleBackend = (typeof IDLE_BACKENDS)[number];

export interface IdleReading {
  /** Milliseconds since the last input, as well as the source can tell. */
  idleMs: number;
  /**
   * The source's own verdict, for sources that only signal crossings (swayidle, hooks)
   * or keep their own timeout (logind's IdleHint); otherwise the threshold decides.
   */
  idle?: boolean;
}

export interface IdleSource {
  readonly name: IdleBackend;
  /** Gets ready; rejects with a reason (SourceUnavailable) when it cannot work here. */
  open(): Promise<void>;
  read(): Promise<IdleReading>;
  /** Event-driven sources call this on a crossing, so the monitor need not wait for a poll. */
  onChange?(listener: () => void): void;
  close(): Promise<void>;
}

/** Why a source cannot work on this desktop; shown in `presence status` and on the backend entity. */
export class SourceUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceUnavailable";
  }
}
