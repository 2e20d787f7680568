import type { Connection } from "home-assistant-js-websocket";
import { z } from "zod";
import { errorMessage } from "../../../core/errors.ts";
import type { Logger } from "../../../core/log.ts";
import type { ServiceCall } from "../config.ts";
import { HassState, normaliseServer, splitService } from "./rest.ts";

export type LinkState = "connecting" | "connected" | "disconnected" | "auth_invalid";

export type StateListener = (
  entityId: string,
  state: string | undefined,
  previous: string | undefined,
) => void;

const StateChanged = z.looseObject({
  data: z.looseObject({
    entity_id: z.string(),
    new_state: HassState.nullable().optional(),
  }),
});

const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * The daemon's standing connection to Home Assistant's WebSocket API (through
 * home-assistant-js-websocket): service calls for rules, and a live copy of Home
 * Assistant's states so rules can test them.
 */
export class HassLink {
  readonly server: string;
  #token: string;
  #log: Logger;
  #onState: (state: LinkState, detail?: string) => void;
  #conn: Connection | undefined;
  #states = new Map<string, HassState>();
  #listeners = new Set<StateListener>();
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  #attempt = 0;

  constructor(options: {
    server: string;
    token: string;
    log: Logger;
    onState?: (state: LinkState, detail?: string) => void;
  }) {
    this.server = normaliseServer(options.server);
    this.#token = options.token;
    this.#log = options.log;
    this.#onState = options.onState ?? (() => {});
  }

  get connected(): boolean {
    return this.#conn?.connected ?? false;
  }

  /** Connects in the background; Home Assistant may be down for a while. */
  start(): void {
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#conn?.close();
    this.#conn = undefined;
  }

  value(entityId: string): string | undefined {
    return this.#states.get(entityId)?.state;
  }

  onChange(listener: StateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async callService(call: ServiceCall): Promise<unknown> {
    const conn = this.#conn;
    if (!conn?.connected) throw new Error(`not connected to Home Assistant at ${this.server}`);
    const { callService } = await import("home-assistant-js-websocket");
    const [domain, service] = splitService(call.service);
    return callService(conn, domain, service, call.data, call.target);
  }

  async #connect(): Promise<void> {
    const ws = await import("home-assistant-js-websocket");
    this.#onState("connecting");
    try {
      const conn = await ws.createConnection({
        auth: ws.createLongLivedTokenAuth(this.server, this.#token),
        setupRetry: 0,
      });
      if (this.#stopped) return conn.close();
      this.#conn = conn;
      this.#attempt = 0;
      conn.addEventListener("ready", () => {
        this.#onState("connected");
        void this.#refresh();
      });
      conn.addEventListener("disconnected", () => {
        if (!this.#stopped) this.#onState("disconnected", `lost the connection to ${this.server}`);
      });
      conn.addEventListener("reconnect-error", () => {
        this.#onState("auth_invalid", "Home Assistant no longer accepts the access token");
      });
      await conn.subscribeEvents((event) => this.#onEvent(event), "state_changed");
      this.#onState("connected");
      this.#log.info({ server: this.server, version: conn.haVersion }, "connected to Home Assistant");
      await this.#refresh();
    } catch (error) {
      if (this.#stopped) return;
      if (error === ws.ERR_INVALID_AUTH) {
        this.#onState("auth_invalid", `Home Assistant at ${this.server} refused the access token`);
        return;
      }
      const delay = RETRY_MS[Math.min(this.#attempt++, RETRY_MS.length - 1)]!;
      const why = typeof error === "number" ? "cannot connect" : errorMessage(error);
      this.#onState("disconnected", `${this.server}: ${why}; retrying in ${delay / 1000} s`);
      this.#retry = setTimeout(() => void this.#connect(), delay);
    }
  }

  async #refresh(): Promise<void> {
    const conn = this.#conn;
    if (!conn) return;
    try {
      const { getStates } = await import("home-assistant-js-websocket");
      const states = z.array(HassState).parse(await getStates(conn));
      const seen = new Set<string>();
      for (const state of states) {
        seen.add(state.entity_id);
        this.#put(state.entity_id, state);
      }
      for (const id of [...this.#states.keys()]) if (!seen.has(id)) this.#put(id, undefined);
    } catch (error) {
      this.#log.warn({ err: errorMessage(error) }, "could not read Home Assistant's states");
    }
  }

  #onEvent(event: unknown): void {
    const parsed = StateChanged.safeParse(event);
    if (!parsed.success) return;
    this.#put(parsed.data.data.entity_id, parsed.data.data.new_state ?? undefined);
  }

  #put(entityId: string, state: HassState | undefined): void {
    const previous = this.#states.get(entityId)?.state;
    if (state) this.#states.set(entityId, state);
    else this.#states.delete(entityId);
    if (previous === state?.state) return;
    for (const listener of this.#listeners) listener(entityId, state?.state, previous);
  }
}
