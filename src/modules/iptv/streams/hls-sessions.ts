import { randomBytes } from "node:crypto";
import type { ProxyUser } from "../settings/settings.ts";
import type { UpstreamLine } from "../upstream/line.ts";
import type { ConnectionTicket, Holder, Ledger, ViewerTicket } from "./ledger.ts";

export interface HlsTuning {
  graceMs: number;
  idleMs: number;
  share: boolean;
}

/** One person's HLS playback of one channel: alive while the player keeps fetching. */
export class HlsSession {
  readonly id: string;
  readonly key: string;
  readonly holder: Holder;
  readonly ticket: ViewerTicket;
  readonly channel: HlsChannel;
  #timer: NodeJS.Timeout;
  #onClose: (session: HlsSession) => void;
  closed = false;

  constructor(options: {
    id: string;
    key: string;
    holder: Holder;
    ticket: ViewerTicket;
    channel: HlsChannel;
    idleMs: number;
    onClose: (s: HlsSession) => void;
  }) {
    this.id = options.id;
    this.key = options.key;
    this.holder = options.holder;
    this.ticket = options.ticket;
    this.channel = options.channel;
    this.#onClose = options.onClose;
    this.#timer = setTimeout(() => this.close(), options.idleMs);
    this.#timer.unref();
  }

  touch(): void {
    this.#timer.refresh();
  }

  addBytes(count: number): void {
    this.ticket.viewer.bytes += count;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.#timer);
    this.ticket.release();
    this.#onClose(this);
  }
}

/** The upstream line slot HLS viewers of one channel share; freed when the last one stops. */
interface HlsChannel {
  key: string;
  ticket: ConnectionTicket | undefined;
  sessions: Set<HlsSession>;
}

/**
 * HLS has no connection to hold open, so a viewer is a session: it starts with the
 * first playlist, is kept alive by every playlist or segment fetch, and ends after
 * `idleMs` without one. Sessions hold a viewer slot and (shared per line and channel)
 * an upstream connection slot, like a TS stream does. Their id travels in the signed
 * segment links, so a proxy instance that has never seen the session re-admits it.
 */
export class HlsSessions {
  readonly #ledger: Ledger;
  readonly #tuning: () => HlsTuning;
  readonly #sessions = new Map<string, HlsSession>();
  readonly #byKey = new Map<string, HlsSession>();
  readonly #channels = new Map<string, HlsChannel>();
  readonly #pending = new Map<string, Promise<HlsSession>>();

  constructor(ledger: Ledger, tuning: () => HlsTuning) {
    this.#ledger = ledger;
    this.#tuning = tuning;
  }

  /** The session for this viewer and channel: the running one, or a new one. */
  open(request: {
    id?: string | undefined;
    user: ProxyUser;
    holder: Holder;
    line: UpstreamLine;
    streamId: string;
    listener: string;
    signal: AbortSignal;
  }): Promise<HlsSession> {
    const key = `${request.user.name}|${request.holder.device}|${request.line.key}|${request.streamId}`;
    const existing = (request.id ? this.#sessions.get(request.id) : undefined) ?? this.#byKey.get(key);
    if (existing && !existing.closed) {
      existing.touch();
      return Promise.resolve(existing);
    }
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#create(key, request).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #create(
    key: string,
    request: {
      id?: string | undefined;
      user: ProxyUser;
      holder: Holder;
      line: UpstreamLine;
      streamId: string;
      listener: string;
      signal: AbortSignal;
    },
  ): Promise<HlsSession> {
    const tuning = this.#tuning();
    const id = request.id ?? randomBytes(9).toString("base64url");
    const ticket = await this.#ledger.admitViewer(
      request.user,
      request.holder,
      `hls:${request.line.key}/${request.streamId}`,
      { kind: "hls", streamId: request.streamId, listener: request.listener, lineKey: request.line.key },
      tuning.graceMs,
      request.signal,
    );
    const channelKey = tuning.share
      ? `${request.line.key}/hls/${request.streamId}`
      : `${request.line.key}/hls/${request.streamId}#${id}`;
    let channel = this.#channels.get(channelKey);
    if (!channel) {
      const created: HlsChannel = { key: channelKey, ticket: undefined, sessions: new Set() };
      channel = created;
      this.#channels.set(channelKey, created);
      try {
        created.ticket = await this.#ledger.acquireConnection(
          request.line,
          request.holder,
          channelKey,
          {
            owners: () => [...created.sessions].map((s) => s.holder),
            close: () => {
              for (const session of [...created.sessions]) session.close();
              this.#channels.delete(channelKey);
            },
          },
          tuning.graceMs,
          request.signal,
        );
      } catch (error) {
        this.#channels.delete(channelKey);
        ticket.release();
        throw error;
      }
    }
    const session = new HlsSession({
      id,
      key,
      holder: request.holder,
      ticket,
      channel,
      idleMs: tuning.idleMs,
      onClose: (s) => this.#closed(s),
    });
    ticket.setCloser(() => session.close());
    channel.sessions.add(session);
    this.#sessions.set(id, session);
    this.#byKey.set(key, session);
    return session;
  }

  #closed(session: HlsSession): void {
    if (this.#sessions.get(session.id) === session) this.#sessions.delete(session.id);
    if (this.#byKey.get(session.key) === session) this.#byKey.delete(session.key);
    const channel = session.channel;
    channel.sessions.delete(session);
    if (channel.sessions.size === 0 && channel.ticket) {
      channel.ticket.release();
      if (this.#channels.get(channel.key) === channel) this.#channels.delete(channel.key);
    }
  }

  closeAll(): void {
    for (const session of [...this.#sessions.values()]) session.close();
  }
}
