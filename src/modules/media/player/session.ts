import type { Identity } from "./identity.ts";

export interface SessionSnapshot {
  identity: Identity;
  title: string;
  /** Seconds; the last position mpv reported. */
  position: number;
  /** Seconds: the item's known runtime (Jellyfin) or what mpv reports. */
  duration: number | undefined;
  paused: boolean;
  startedAt: number;
}

export type ProgressEvent = "timeupdate" | "pause" | "unpause" | "seek";

export interface Outcome {
  /** mpv's end-file reason: eof, stop, quit, error, redirect. */
  reason: string;
  watched: boolean;
}

/** What happens to the world when a file plays: Jellyfin reports, history, the watched list. */
export interface SessionReporter {
  start(session: SessionSnapshot): Promise<void>;
  progress(session: SessionSnapshot, event: ProgressEvent): Promise<void>;
  stop(session: SessionSnapshot, outcome: Outcome): Promise<void>;
}

/**
 * "Watched" means the last position mpv reached is near the end of the item's real
 * runtime. An `eof` is not enough: a dropped HTTP stream ends with `eof` too, at
 * whatever position the data ran out. An error never counts.
 */
export function decideWatched(snapshot: SessionSnapshot, reason: string, watchedAt: number): boolean {
  if (reason === "error" || reason === "redirect") return false;
  const duration = snapshot.duration;
  if (!duration || duration <= 0) return false;
  return snapshot.position >= duration * watchedAt;
}

/** One file's life in mpv, from start-file to end-file. */
export class PlaybackSession {
  readonly entryId: number;
  readonly identity: Identity;
  readonly reporter: SessionReporter;
  title: string;
  position = 0;
  /** From the library; wins over mpv's idea of the duration (a truncated stream lies). */
  knownDuration: number | undefined;
  mpvDuration: number | undefined;
  paused = false;
  loaded = false;
  readonly startedAt = Date.now();

  constructor(options: {
    entryId: number;
    identity: Identity;
    title: string;
    knownDuration: number | undefined;
    reporter: SessionReporter;
  }) {
    this.entryId = options.entryId;
    this.identity = options.identity;
    this.title = options.title;
    this.knownDuration = options.knownDuration;
    this.reporter = options.reporter;
  }

  snapshot(): SessionSnapshot {
    return {
      identity: this.identity,
      title: this.title,
      position: this.position,
      duration: this.knownDuration ?? this.mpvDuration,
      paused: this.paused,
      startedAt: this.startedAt,
    };
  }
}
