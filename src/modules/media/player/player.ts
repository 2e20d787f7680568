import { ExitCode, UserError } from "../../../core/errors.ts";
import type { Logger } from "../../../core/log.ts";
import { MpvCommandError, type MpvEvent } from "../../../desktop/mpv/ipc.ts";
import { joinMpv, type MpvLaunchOptions, type RunningMpv, startMpv } from "../../../desktop/mpv/launch.ts";
import { type LoadMode, loadfileCommand } from "../../../desktop/mpv/loadfile.ts";
import { type Identity, identify } from "./identity.ts";
import { decideWatched, PlaybackSession, type ProgressEvent, type SessionReporter } from "./session.ts";

export interface PlayerState {
  playing: boolean;
  title?: string | undefined;
  source?: Identity["source"] | undefined;
  id?: string | undefined;
  position?: number | undefined;
  duration?: number | undefined;
  paused: boolean;
  /** Entries in mpv's playlist after the current one. */
  queued: number;
}

export interface LoadRequest {
  url: string;
  title: string;
  /** Per-file mpv options: start, http-header-fields, force-media-title, ytdl... */
  options: Record<string, string | number>;
  mode: LoadMode;
}

export interface PlayerOptions {
  mpv: Omit<MpvLaunchOptions, "timeoutMs">;
  log: Logger;
  /** Seconds between progress reports while playing. */
  progressInterval: number;
  watchedAt: number;
  reporterFor(identity: Identity): SessionReporter;
  /** The library's runtime for an item, in seconds, when it knows it. */
  knownDuration?(identity: Identity): number | undefined;
  onState?(state: PlayerState): void;
  /** Once mpv has quit and every report is in (before `done` resolves). */
  onFinished?(): Promise<void>;
}

interface PlaylistEntry {
  filename: string;
  id?: number;
  current?: boolean;
  title?: string;
}

/**
 * The one mpv, driven over its IPC socket. The process that starts mpv owns it: it
 * watches every file that plays (whoever queued it), reports to Jellyfin, keeps history
 * and publishes the player's state. Any other process joins as a client and only sends
 * commands, so two deskhub processes never report the same playback twice.
 */
export class Player {
  readonly #options: PlayerOptions;
  #mpv: RunningMpv | undefined;
  #connecting: Promise<RunningMpv> | undefined;
  #sessions = new Map<number, PlaybackSession>();
  /** Files this process loaded, by playlist entry id: no need to ask mpv what they are. */
  #loaded = new Map<number, { url: string; title: string }>();
  #failures: Array<{ title: string; error: string }> = [];
  #current: PlaybackSession | undefined;
  #events: Promise<void> = Promise.resolve();
  #inflight = new Set<Promise<unknown>>();
  #timer: NodeJS.Timeout | undefined;
  #done: Promise<void> | undefined;

  constructor(options: PlayerOptions) {
    this.#options = options;
  }

  get role(): "owner" | "client" | "none" {
    if (!this.#mpv?.ipc.isOpen) return "none";
    return this.#mpv.child ? "owner" : "client";
  }

  /** The running mpv if there is one, without starting it. */
  async #joined(): Promise<RunningMpv | undefined> {
    if (this.#mpv?.ipc.isOpen) return this.#mpv;
    const joined = await joinMpv(this.#options.mpv.socket);
    if (joined) this.#mpv = joined;
    return joined;
  }

  async #ensure(): Promise<RunningMpv> {
    if (this.#mpv?.ipc.isOpen) return this.#mpv;
    this.#connecting ??= (async () => {
      const running = (await joinMpv(this.#options.mpv.socket)) ?? (await startMpv(this.#options.mpv));
      this.#mpv = running;
      if (running.child) await this.#own(running);
      return running;
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #own(running: RunningMpv): Promise<void> {
    const { ipc } = running;
    ipc.onEvent((event) => this.#onEvent(event));
    await ipc.observe("time-pos", (value) => {
      if (this.#current && typeof value === "number") this.#current.position = value;
    });
    await ipc.observe("duration", (value) => {
      if (this.#current && typeof value === "number") this.#current.mpvDuration = value;
    });
    await ipc.observe("pause", (value) => {
      const session = this.#current;
      if (!session || typeof value !== "boolean" || session.paused === value) return;
      session.paused = value;
      if (session.loaded) this.#progress(session, value ? "pause" : "unpause");
      this.#publish();
    });
    await ipc.observe("media-title", (value) => {
      if (this.#current && typeof value === "string" && value) {
        this.#current.title = value;
        this.#publish();
      }
    });
    this.#timer = setInterval(() => {
      const session = this.#current;
      if (session?.loaded) this.#progress(session, "timeupdate");
      this.#publish();
    }, this.#options.progressInterval * 1000);
    this.#timer.unref();
    this.#done = ipc.closed.then(async () => {
      clearInterval(this.#timer);
      await this.#events;
      for (const session of this.#sessions.values()) this.#finish(session, "quit");
      this.#sessions.clear();
      this.#current = undefined;
      this.#publish();
      await this.#settled();
      await this.#options.onFinished?.();
    });
  }

  async #settled(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  #track(promise: Promise<unknown>, what: string): void {
    const guarded = promise.catch((error: unknown) => {
      this.#options.log.warn({ err: error }, `media: ${what} failed`);
    });
    this.#inflight.add(guarded);
    void guarded.finally(() => this.#inflight.delete(guarded));
  }

  #progress(session: PlaybackSession, event: ProgressEvent): void {
    this.#track(session.reporter.progress(session.snapshot(), event), `reporting ${event}`);
  }

  #onEvent(event: MpvEvent): void {
    if (event.event === "property-change") return;
    // Events are handled in order; start-file has to ask mpv for the playlist first.
    this.#events = this.#events
      .then(() => this.#handle(event))
      .catch((error: unknown) => {
        this.#options.log.warn({ err: error }, "media: handling an mpv event failed");
      });
  }

  async #handle(event: MpvEvent): Promise<void> {
    const ipc = this.#mpv?.ipc;
    if (!ipc) return;
    if (event.event === "start-file" && typeof event.playlist_entry_id === "number") {
      let entry: { filename: string; title?: string | undefined } | undefined;
      const own = this.#loaded.get(event.playlist_entry_id);
      if (own) {
        entry = { filename: own.url, title: own.title };
      } else {
        // Queued by another process over the socket: ask mpv what it is.
        const playlist = (await ipc.maybe<PlaylistEntry[]>("playlist").catch(() => undefined)) ?? [];
        entry = playlist.find((e) => e.id === event.playlist_entry_id) ?? playlist.find((e) => e.current);
      }
      if (!entry) return;
      const identity = identify(entry.filename);
      const session = new PlaybackSession({
        entryId: event.playlist_entry_id,
        identity,
        title: entry.title ?? entry.filename,
        knownDuration: this.#options.knownDuration?.(identity),
        reporter: this.#options.reporterFor(identity),
      });
      this.#sessions.set(session.entryId, session);
      this.#current = session;
      this.#publish();
      return;
    }
    if (event.event === "playback-restart") {
      const session = this.#current;
      if (!session) return;
      const position = await ipc.maybe<number>("time-pos");
      if (typeof position === "number") session.position = position;
      if (!session.loaded) {
        session.loaded = true;
        this.#track(session.reporter.start(session.snapshot()), "reporting playback start");
      } else {
        this.#progress(session, "seek");
      }
      this.#publish();
      return;
    }
    if (event.event === "end-file" && typeof event.playlist_entry_id === "number") {
      const session = this.#sessions.get(event.playlist_entry_id);
      if (!session) return;
      if (event.reason === "error") {
        this.#failures.push({ title: session.title, error: String(event.file_error ?? "loading failed") });
      }
      this.#sessions.delete(session.entryId);
      if (this.#current === session) this.#current = undefined;
      this.#finish(session, String(event.reason ?? "eof"));
      this.#publish();
    }
  }

  #finish(session: PlaybackSession, reason: string): void {
    const snapshot = session.snapshot();
    const watched = session.loaded && decideWatched(snapshot, reason, this.#options.watchedAt);
    this.#options.log.info(
      {
        source: session.identity.source,
        id: session.identity.id,
        reason,
        position: snapshot.position,
        watched,
      },
      "media: playback ended",
    );
    if (!session.loaded) return;
    this.#track(session.reporter.stop(snapshot, { reason, watched }), "reporting playback stop");
  }

  #publish(): void {
    if (!this.#options.onState) return;
    void this.state().then(
      (state) => this.#options.onState?.(state),
      () => {},
    );
  }

  // ---- commands ------------------------------------------------------------------

  /** Loads a file; starts mpv (and owns it) when none is running. */
  async load(request: LoadRequest): Promise<"owner" | "client"> {
    const running = await this.#ensure();
    if (
      request.options["http-header-fields"] &&
      String(request.options["http-header-fields"]).includes(",")
    ) {
      throw new UserError("an HTTP header for mpv contains a comma, which mpv would split", {
        code: ExitCode.software,
      });
    }
    const reply = await running.ipc.command<{ playlist_entry_id?: number } | null>(
      ...loadfileCommand(running.version, request.url, request.mode, {
        "force-media-title": request.title,
        ...request.options,
      }),
    );
    if (typeof reply?.playlist_entry_id === "number") {
      this.#loaded.set(reply.playlist_entry_id, { url: request.url, title: request.title });
    }
    return running.child ? "owner" : "client";
  }

  async #require(): Promise<RunningMpv> {
    const running = await this.#joined();
    if (!running)
      throw new UserError("nothing is playing (mpv is not running)", { code: ExitCode.unavailable });
    return running;
  }

  async pause(value?: boolean): Promise<boolean> {
    const { ipc } = await this.#require();
    const next = value ?? !(await ipc.get<boolean>("pause"));
    await ipc.set("pause", next);
    return next;
  }

  /**
   * Skips to the next queued file. `weak`: with nothing queued mpv refuses and what plays
   * goes on (`force` would end it, and with it an idle-once mpv).
   */
  async next(): Promise<void> {
    const { ipc } = await this.#require();
    try {
      await ipc.command("playlist-next", "weak");
    } catch (error) {
      if (!(error instanceof MpvCommandError)) throw error;
      throw new UserError("nothing is queued after this", {
        code: ExitCode.unavailable,
        hint: "queue something with --queue (deskhub media jellyfin play ID --queue), or stop",
        cause: error,
      });
    }
  }

  async seek(seconds: number, relative: boolean): Promise<void> {
    const { ipc } = await this.#require();
    await ipc.command("seek", seconds, relative ? "relative" : "absolute");
  }

  async stop(): Promise<void> {
    const { ipc } = await this.#require();
    await ipc.command("stop");
  }

  async state(): Promise<PlayerState> {
    const running = await this.#joined();
    if (!running) return { playing: false, paused: false, queued: 0 };
    const { ipc } = running;
    const [path, title, position, duration, paused, count, index] = await Promise.all([
      ipc.maybe<string>("path"),
      ipc.maybe<string>("media-title"),
      ipc.maybe<number>("time-pos"),
      ipc.maybe<number>("duration"),
      ipc.maybe<boolean>("pause"),
      ipc.maybe<number>("playlist-count"),
      ipc.maybe<number>("playlist-pos"),
    ]).catch(() => [] as undefined[]);
    if (!path) return { playing: false, paused: false, queued: 0 };
    const identity = identify(path);
    const session = this.#current;
    return {
      playing: true,
      title: title ?? session?.title,
      source: identity.source,
      id: identity.id,
      position: position ?? session?.position,
      duration: session?.knownDuration ?? duration,
      paused: paused ?? false,
      queued: Math.max(0, (count ?? 0) - (index ?? 0) - 1),
    };
  }

  /** For the process that owns mpv: resolves once mpv has quit and every report is sent. */
  async done(): Promise<void> {
    if (this.#done) await this.#done;
  }

  /** Files mpv could not open (a dead link, a refused token), with mpv's reason. */
  get failures(): ReadonlyArray<{ title: string; error: string }> {
    return this.#failures;
  }

  /** Stops playback this process owns (reporting where it stopped) and lets go of the socket. */
  async close(): Promise<void> {
    const running = this.#mpv;
    if (!running) return;
    if (running.child && running.ipc.isOpen) {
      await running.ipc.command("quit").catch(() => {});
      await Promise.race([this.done(), new Promise((resolve) => setTimeout(resolve, 5000))]);
      running.child.kill();
    } else {
      running.ipc.close();
    }
    clearInterval(this.#timer);
    this.#mpv = undefined;
  }
}
