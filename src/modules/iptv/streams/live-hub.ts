import type { ServerResponse } from "node:http";
import type { Logger } from "../../../core/log.ts";
import { HttpError } from "../server/respond.ts";
import { UpstreamError } from "../upstream/errors.ts";
import type { UpstreamLine } from "../upstream/line.ts";
import type { ConnectionTicket, Holder, Ledger, ViewerTicket } from "./ledger.ts";
import { type LiveSource, openLiveSource } from "./live-source.ts";
import { packetStart } from "./ts-align.ts";

export interface StreamTuning {
  graceMs: number;
  timeoutMs: number;
  idleMs: number;
  slowViewerBytes: number;
  share: boolean;
}

/** A viewer this long behind is disconnected; one this many times further behind at once. */
const BEHIND_MS = 1000;
const HARD_LAG_FACTOR = 8;

interface HubViewer {
  ticket: ViewerTicket;
  res: ServerResponse;
  /** False until its first write, which starts on a TS packet boundary. */
  aligned: boolean;
  waiting: boolean;
  /** When it first fell `slowViewerBytes` behind the others (a stall, not a burst, lasts). */
  behindSince: number | undefined;
  done: () => void;
  fail: (error: unknown) => void;
}

export interface WatchRequest {
  line: UpstreamLine;
  streamId: string;
  ticket: ViewerTicket;
  res: ServerResponse;
  userAgent: string | undefined;
}

/**
 * One upstream live connection and everyone watching it. Data goes to every viewer as
 * it arrives. With one viewer this is a plain pipe with backpressure: the upstream is
 * paused while the viewer's socket is full. With several, the upstream is paused only
 * when all of them are full, and a viewer that stays `slowViewerBytes` behind the others
 * (or falls far behind at once) is disconnected, so it cannot stall them or grow the
 * proxy's memory.
 */
class Hub {
  readonly key: string;
  readonly viewers = new Set<HubViewer>();
  readonly ready: Promise<void>;
  bytes = 0;
  #abort = new AbortController();
  #upstream: LiveSource | undefined;
  #connection: ConnectionTicket | undefined;
  #contentType = "video/mp2t";
  #closed = false;
  #idle: NodeJS.Timeout | undefined;
  readonly #tuning: StreamTuning;
  readonly #onClosed: () => void;

  constructor(
    key: string,
    request: WatchRequest,
    deps: { ledger: Ledger; tuning: StreamTuning; onClosed: () => void },
  ) {
    this.key = key;
    this.#tuning = deps.tuning;
    this.#onClosed = deps.onClosed;
    const holder: Holder = { user: request.ticket.viewer.user, device: request.ticket.viewer.device };
    this.ready = this.#open(request, holder, deps.ledger);
    this.ready.catch(() => {});
  }

  async #open(request: WatchRequest, holder: Holder, ledger: Ledger): Promise<void> {
    try {
      this.#connection = await ledger.acquireConnection(
        request.line,
        holder,
        this.key,
        {
          owners: () =>
            [...this.viewers].map((v) => ({ user: v.ticket.viewer.user, device: v.ticket.viewer.device })),
          close: (reason) => this.close(reason),
        },
        this.#tuning.graceMs,
        this.#abort.signal,
      );
      const answer = await openLiveSource(request.line.stream("live", request.streamId, "ts"), {
        headers: { "user-agent": request.userAgent, accept: "*/*" },
        signal: this.#abort.signal,
        timeoutMs: this.#tuning.timeoutMs,
        retryUntil: Date.now() + this.#tuning.graceMs,
      });
      if (answer.status !== 200) {
        answer.source.destroy();
        throw new UpstreamError(
          "status",
          `the provider answered HTTP ${answer.status} for this channel`,
          answer.status,
        );
      }
      if (this.#closed) {
        answer.source.destroy();
        return;
      }
      this.#upstream = answer.source;
      const type = answer.source.contentType;
      if (type && /^(video|application)\//i.test(type)) this.#contentType = type;
      for (const viewer of this.viewers) this.#start(viewer, true);
      this.#pump(answer.source);
    } catch (error) {
      const failure =
        this.#abort.signal.aborted && !(error instanceof UpstreamError)
          ? new UpstreamError("aborted", "closed")
          : error;
      for (const viewer of [...this.viewers]) viewer.fail(failure);
      this.close("failed to open");
      throw failure;
    }
  }

  #start(viewer: HubViewer, fromStart: boolean): void {
    viewer.aligned = fromStart;
    viewer.res.writeHead(200, {
      "content-type": this.#contentType,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
    viewer.res.flushHeaders();
  }

  #pump(upstream: LiveSource): void {
    this.#touch();
    upstream.start({
      data: (chunk, lease) => {
        this.#touch();
        const offset = this.bytes;
        this.bytes += chunk.length;
        let anyReady = false;
        // "Behind" is measured against the viewer with the least queued: a burst that fills
        // every socket for a moment is no reason to drop anyone.
        const now = Date.now();
        let least = Number.POSITIVE_INFINITY;
        for (const viewer of this.viewers) least = Math.min(least, viewer.res.writableLength);
        for (const viewer of this.viewers) {
          let data = chunk;
          if (!viewer.aligned) {
            const start = packetStart(chunk, offset);
            if (start === -1) continue;
            data = start ? chunk.subarray(start) : chunk;
            viewer.aligned = true;
          }
          const lag = viewer.res.writableLength - least;
          if (lag > this.#tuning.slowViewerBytes) {
            viewer.behindSince ??= now;
            if (
              lag > this.#tuning.slowViewerBytes * HARD_LAG_FACTOR ||
              now - viewer.behindSince > BEHIND_MS
            ) {
              viewer.ticket.viewer.close("too slow to keep up with the live stream");
              continue;
            }
          } else viewer.behindSince = undefined;
          viewer.ticket.viewer.bytes += data.length;
          // The slice lives in a pooled read buffer until the socket has taken it.
          lease.retain();
          if (viewer.res.write(data, () => lease.release())) anyReady = true;
          else if (!viewer.waiting) {
            viewer.waiting = true;
            viewer.res.once("drain", () => {
              viewer.waiting = false;
              if (this.#upstream?.isPaused()) this.#upstream.resume();
            });
          }
        }
        if (!anyReady && this.viewers.size) upstream.pause();
      },
      end: () => this.close("the provider ended the stream", true),
      error: () => this.close("the provider connection broke"),
    });
  }

  #touch(): void {
    if (this.#idle) this.#idle.refresh();
    else this.#idle = setTimeout(() => this.close("the provider stopped sending"), this.#tuning.idleMs);
  }

  /** Adds a viewer; resolves when its stream ends, rejects if the channel cannot be opened. */
  add(ticket: ViewerTicket, res: ServerResponse): Promise<void> {
    return new Promise((resolve, reject) => {
      const viewer: HubViewer = {
        ticket,
        res,
        aligned: false,
        waiting: false,
        behindSince: undefined,
        done: resolve,
        fail: (error) => {
          this.viewers.delete(viewer);
          reject(error);
          if (this.viewers.size === 0) this.close("no viewers left");
        },
      };
      ticket.setCloser((reason) => {
        if (!res.headersSent) {
          viewer.fail(new HttpError(409, `${reason}: a newer stream from the same device took its place`));
          return;
        }
        this.#remove(viewer);
        res.destroy();
      });
      res.once("close", () => {
        ticket.release();
        this.#remove(viewer);
      });
      this.viewers.add(viewer);
      if (this.#upstream) this.#start(viewer, false);
    });
  }

  #remove(viewer: HubViewer): void {
    if (!this.viewers.delete(viewer)) return;
    viewer.done();
    if (this.viewers.size === 0) this.close("no viewers left");
    else if (this.#upstream?.isPaused() && [...this.viewers].some((v) => !v.waiting)) this.#upstream.resume();
  }

  close(reason: string, ended = false): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#idle) clearTimeout(this.#idle);
    this.#connection?.release();
    this.#abort.abort();
    this.#upstream?.destroy();
    this.#onClosed();
    for (const viewer of [...this.viewers]) {
      this.viewers.delete(viewer);
      viewer.ticket.release();
      if (!viewer.res.headersSent) {
        viewer.fail(new UpstreamError("aborted", reason));
        continue;
      }
      if (ended) viewer.res.end();
      else viewer.res.destroy();
      viewer.done();
    }
  }
}

/** The live channels being relayed, keyed by line and channel so viewers on one line share. */
export class LiveHubs {
  readonly #hubs = new Map<string, Hub>();
  readonly #ledger: Ledger;
  readonly #tuning: () => StreamTuning;
  readonly #log: Logger;
  #private = 0;

  constructor(ledger: Ledger, tuning: () => StreamTuning, log: Logger) {
    this.#ledger = ledger;
    this.#tuning = tuning;
    this.#log = log;
  }

  /** Streams a live channel to one viewer; resolves when the viewer's stream ends. */
  async watch(request: WatchRequest): Promise<void> {
    const tuning = this.#tuning();
    const key = tuning.share
      ? `${request.line.key}/live/${request.streamId}`
      : `${request.line.key}/live/${request.streamId}#${++this.#private}`;
    let hub = this.#hubs.get(key);
    if (!hub) {
      const created: Hub = new Hub(key, request, {
        ledger: this.#ledger,
        tuning,
        onClosed: () => {
          if (this.#hubs.get(key) === created) this.#hubs.delete(key);
        },
      });
      hub = created;
      this.#hubs.set(key, hub);
      this.#log.debug({ line: request.line.key, stream: request.streamId }, "opening live channel");
    }
    await hub.add(request.ticket, request.res);
  }

  /** Viewers per open upstream connection, for sessions and tests. */
  snapshot(): Array<{ key: string; viewers: number; bytes: number }> {
    return [...this.#hubs.values()].map((hub) => ({
      key: hub.key,
      viewers: hub.viewers.size,
      bytes: hub.bytes,
    }));
  }

  closeAll(): void {
    for (const hub of [...this.#hubs.values()]) hub.close("the proxy is stopping");
  }
}
