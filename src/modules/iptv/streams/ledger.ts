import type { ProxyUser } from "../settings/settings.ts";
import type { UpstreamLine } from "../upstream/line.ts";

/** A person's device: the client address and its User-Agent. */
export interface Holder {
  user: string;
  device: string;
}

/** A stream refused because a limit is reached; `status` is what the client gets. */
export class LimitError extends Error {
  readonly status: 429 | 503;

  constructor(status: 429 | 503, message: string) {
    super(message);
    this.name = "LimitError";
    this.status = status;
  }
}

export interface ViewerInfo {
  kind: "live" | "hls" | "movie" | "series" | "timeshift";
  streamId: string;
  listener: string;
  lineKey: string;
}

export interface Viewer extends Holder, ViewerInfo {
  id: number;
  key: string;
  since: number;
  bytes: number;
  /** Ends the stream from the proxy's side (a channel switch); releases its slot at once. */
  close(reason: string): void;
}

export interface Connection {
  id: number;
  lineKey: string;
  key: string;
  since: number;
  owners(): Holder[];
  close(reason: string): void;
}

export interface ViewerTicket {
  viewer: Viewer;
  release(): void;
  setCloser(close: (reason: string) => void): void;
}

export interface ConnectionTicket {
  connection: Connection;
  release(): void;
}

/**
 * Who watches what, and how many connections each upstream line has open. A new stream
 * over a limit first looks for a stream it replaces (the same person on the same device:
 * a channel switch, or a player reopening for a seek), closes it and takes its slot;
 * otherwise it waits up to the grace window for a slot to come free, then is refused
 * with a message that says which limit.
 */
export class Ledger {
  readonly viewers = new Map<number, Viewer>();
  readonly connections = new Map<number, Connection>();
  #nextId = 1;
  #waiters = new Set<() => void>();
  /** Bytes sent to clients by streams that have ended; live ones count their own. */
  bytesOut = 0;
  readonly #listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  #wait(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", aborted);
        this.#waiters.delete(done);
        resolve();
      };
      const aborted = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        reject(signal?.reason);
      };
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      signal?.addEventListener("abort", aborted, { once: true });
      this.#waiters.add(done);
    });
  }

  userStreams(user: string): Viewer[] {
    return [...this.viewers.values()].filter((v) => v.user === user);
  }

  lineConnections(lineKey: string): Connection[] {
    return [...this.connections.values()].filter((c) => c.lineKey === lineKey);
  }

  async admitViewer(
    user: ProxyUser,
    holder: Holder,
    key: string,
    info: ViewerInfo,
    graceMs: number,
    signal?: AbortSignal,
  ): Promise<ViewerTicket> {
    const deadline = Date.now() + graceMs;
    for (;;) {
      const mine = this.userStreams(user.name);
      if (mine.length < user.maxStreams) break;
      const victim = mine.filter((v) => v.device === holder.device).sort((a, b) => a.since - b.since)[0];
      if (victim) {
        victim.close("switched to another stream");
        continue;
      }
      if (Date.now() >= deadline) {
        throw new LimitError(
          429,
          `${user.name} is already watching ${mine.length} stream(s), the most allowed; stop one first`,
        );
      }
      await this.#wait(deadline, signal);
    }
    const id = this.#nextId++;
    let closer: (reason: string) => void = () => {};
    let released = false;
    const viewer: Viewer = {
      id,
      key,
      since: Date.now(),
      bytes: 0,
      ...holder,
      ...info,
      close: (reason) => {
        release();
        closer(reason);
      },
    };
    const release = () => {
      if (released) return;
      released = true;
      this.bytesOut += viewer.bytes;
      this.viewers.delete(id);
      this.#changed();
    };
    this.viewers.set(id, viewer);
    this.#changed();
    return { viewer, release, setCloser: (close) => (closer = close) };
  }

  async acquireConnection(
    line: UpstreamLine,
    holder: Holder,
    key: string,
    handlers: { owners(): Holder[]; close(reason: string): void },
    graceMs: number,
    signal?: AbortSignal,
  ): Promise<ConnectionTicket> {
    const deadline = Date.now() + graceMs;
    for (;;) {
      const open = this.lineConnections(line.key);
      if (open.length < line.limit) break;
      const victim = open
        .filter((c) => {
          const owners = c.owners();
          return (
            owners.length > 0 && owners.every((o) => o.user === holder.user && o.device === holder.device)
          );
        })
        .sort((a, b) => a.since - b.since)[0];
      if (victim) {
        victim.close("switched to another stream");
        continue;
      }
      if (Date.now() >= deadline) {
        throw new LimitError(
          503,
          `all ${line.limit} upstream connection(s) of this line are in use by other viewers; try again when one stops`,
        );
      }
      await this.#wait(deadline, signal);
    }
    const id = this.#nextId++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.connections.delete(id);
      this.#changed();
    };
    const connection: Connection = {
      id,
      lineKey: line.key,
      key,
      since: Date.now(),
      owners: handlers.owners,
      close: (reason) => {
        release();
        handlers.close(reason);
      },
    };
    this.connections.set(id, connection);
    this.#changed();
    return { connection, release };
  }

  /** Closes every stream of people no longer in the config (or all, on stop). */
  closeWhere(predicate: (viewer: Viewer) => boolean, reason: string): void {
    for (const viewer of [...this.viewers.values()]) if (predicate(viewer)) viewer.close(reason);
  }
}
