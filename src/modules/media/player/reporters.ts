import type { History } from "../history.ts";
import type { LibraryCache } from "../jellyfin/cache.ts";
import type { JellyfinClient } from "../jellyfin/client.ts";
import { isOffline } from "../jellyfin/errors.ts";
import { TICKS_PER_SECOND } from "../jellyfin/item.ts";
import type { PendingPlayStates } from "../jellyfin/pending.ts";
import type { YoutubeStore } from "../youtube/store.ts";
import type { Identity } from "./identity.ts";
import type { Outcome, ProgressEvent, SessionReporter, SessionSnapshot } from "./session.ts";

export interface ReporterDeps {
  history: History;
  cache: LibraryCache;
  pending: PendingPlayStates;
  youtube: YoutubeStore;
  jellyfin(): Promise<JellyfinClient>;
}

/** Jellyfin forgets a position under 5% (its MinResumePct), as the cache should. */
const MIN_RESUME_FRACTION = 0.05;

class HistoryReporter implements SessionReporter {
  protected readonly deps: ReporterDeps;
  #row: number | undefined;

  constructor(deps: ReporterDeps) {
    this.deps = deps;
  }

  async start(session: SessionSnapshot): Promise<void> {
    this.#row = this.deps.history.start({
      source: session.identity.source,
      itemId: session.identity.id,
      title: session.title,
      startedAt: session.startedAt,
    });
  }

  async progress(_session: SessionSnapshot, _event: ProgressEvent): Promise<void> {}

  async stop(session: SessionSnapshot, outcome: Outcome): Promise<void> {
    if (this.#row === undefined) return;
    this.deps.history.finish(this.#row, {
      title: session.title,
      endedAt: Date.now(),
      position: session.position,
      duration: session.duration,
      watched: outcome.watched,
      reason: outcome.reason,
    });
  }
}

/**
 * Tells Jellyfin what plays (Sessions/Playing, Progress every few seconds and on pause
 * and seek, Stopped with the final PositionTicks), so resume points and watched state
 * follow the user to other devices. The cache is updated first: if the server is
 * unreachable, this machine's menus still show the right resume point.
 */
class JellyfinReporter extends HistoryReporter {
  readonly #identity: Extract<Identity, { source: "jellyfin" }>;

  constructor(deps: ReporterDeps, identity: Extract<Identity, { source: "jellyfin" }>) {
    super(deps);
    this.#identity = identity;
  }

  #body(session: SessionSnapshot) {
    return {
      itemId: this.#identity.id,
      mediaSourceId: this.#identity.mediaSourceId,
      playSessionId: this.#identity.playSessionId,
      positionSeconds: session.position,
      isPaused: session.paused,
    };
  }

  override async start(session: SessionSnapshot): Promise<void> {
    await super.start(session);
    await (await this.deps.jellyfin()).reportStart(this.#body(session));
  }

  override async progress(session: SessionSnapshot, event: ProgressEvent): Promise<void> {
    await (await this.deps.jellyfin()).reportProgress({
      ...this.#body(session),
      eventName: event === "seek" ? "timeupdate" : event,
    });
  }

  override async stop(session: SessionSnapshot, outcome: Outcome): Promise<void> {
    await super.stop(session, outcome);
    const early = session.duration !== undefined && session.position < session.duration * MIN_RESUME_FRACTION;
    const positionTicks = outcome.watched || early ? 0 : session.position * TICKS_PER_SECOND;
    const at = new Date().toISOString();
    this.deps.cache.setPlayState(this.#identity.id, {
      played: outcome.watched ? true : undefined,
      positionTicks,
      lastPlayed: at,
    });
    try {
      const client = await this.deps.jellyfin();
      await client.reportStopped({ ...this.#body(session), failed: outcome.reason === "error" });
      if (outcome.watched) await client.setPlayed(this.#identity.id, true);
      else if (client.usesApiKey && outcome.reason !== "error") {
        await client.saveUserData(this.#identity.id, { positionSeconds: positionTicks / TICKS_PER_SECOND });
      }
    } catch (error) {
      if (isOffline(error) && outcome.reason !== "error") {
        this.deps.pending.save({ itemId: this.#identity.id, positionTicks, played: outcome.watched, at });
      }
      throw error;
    }
  }
}

/** YouTube has no way to hear back from deskhub: the watched list is kept here. */
class YoutubeReporter extends HistoryReporter {
  override async stop(session: SessionSnapshot, outcome: Outcome): Promise<void> {
    await super.stop(session, outcome);
    if (outcome.watched) this.deps.youtube.markWatched(session.identity.id, session.title);
  }
}

export function reporterFor(deps: ReporterDeps, identity: Identity): SessionReporter {
  if (identity.source === "jellyfin") return new JellyfinReporter(deps, identity);
  if (identity.source === "youtube") return new YoutubeReporter(deps);
  return new HistoryReporter(deps);
}
