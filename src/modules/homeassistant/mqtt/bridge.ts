import type { IClientOptions, MqttClient } from "mqtt";
import { errorMessage } from "../../../core/errors.ts";
import type { Logger } from "../../../core/log.ts";
import type { Entity, Store } from "../../../core/store.ts";
import { Announcements, announcedComponent } from "../discovery/announced.ts";
import { platformOf } from "../discovery/components.ts";
import type { Exposure } from "../discovery/exposure.ts";
import {
  buildDevicePayload,
  componentIds,
  type DeviceInfo,
  type DevicePayload,
} from "../discovery/payload.ts";
import { CommandRouter } from "./command-router.ts";
import { statePayload } from "./state-payload.ts";
import type { Topics } from "./topics.ts";

export type ConnectionState = "connecting" | "connected" | "disconnected";

export interface DiscoveryReport {
  at: number;
  reason: string;
  components: number;
}

export interface BridgeOptions {
  store: Store;
  log: Logger;
  exposure: Exposure;
  device: DeviceInfo;
  topics: Topics;
  /** Broker URL without credentials, and MQTT.js options (credentials, TLS). */
  url: string;
  clientOptions?: IClientOptions;
  keepaliveSeconds: number;
  reconnectPeriodMs: number;
  heartbeatMs: number;
  debounceMs: number;
  birthDelayMs: number;
  retainDiscovery: boolean;
  /** An entity that is on while the machine goes to sleep (`presence.suspending`). */
  suspendEntity?: string;
  /** Where the last published discovery is remembered across restarts (see announced.ts). */
  announcedFile?: string;
  onConnection?(state: ConnectionState, detail?: string): void;
  onDiscovery?(report: DiscoveryReport): void;
  random?: () => number;
}

/**
 * Module health states in which a module has defined everything it is going to: a
 * component of it that an earlier run announced and the store now lacks is gone. While
 * a module starts, fails or is degraded, its missing components may still come, and
 * Home Assistant forgets a deleted entity's customisations (name, area, id).
 */
const SETTLED = new Set(["running", "disabled", "needs_config", "available", "stopped"]);

const ONLINE = "online";
const OFFLINE = "offline";
/** A clean stop publishes offline itself; it must not hold the daemon's stop deadline. */
const STOP_PUBLISH_MS = 1_000;
const MIN_HEARTBEAT_MS = 1_000;
/** An acknowledgement that never comes (a broker that vanished) must not stall later publishes. */
const PUBLISH_TIMEOUT_MS = 10_000;

function isOn(value: unknown): boolean {
  return (
    value === true ||
    value === 1 ||
    (typeof value === "string" && ["on", "true", "yes", "1"].includes(value.toLowerCase()))
  );
}

/**
 * Publishes the store to Home Assistant over MQTT and takes commands back. Home
 * Assistant never sees stale or unavailable entities that are not: the bridge
 * republishes discovery and every state on each (re)connect and on Home Assistant's
 * birth message, keeps states retained with a heartbeat, and leaves a retained will.
 * Components an earlier run announced and this one lacks are deleted, not left showing
 * their last state; before sleep, offline goes out and `flush()` says when it has.
 */
export class MqttBridge {
  #o: BridgeOptions;
  #client: MqttClient | undefined;
  #unsubscribe: Array<() => void> = [];
  #heartbeat: NodeJS.Timeout | undefined;
  #beatEvery = Number.POSITIVE_INFINITY;
  #discoveryTimer: NodeJS.Timeout | undefined;
  #birthTimer: NodeJS.Timeout | undefined;
  /** Publishes that must not interleave (discovery then states) run one after another. */
  #chain: Promise<void> = Promise.resolve();
  #lastPayload: string | undefined;
  #announcements: Announcements;
  #suspended = false;
  #stopping = false;
  #lastDiscovery: DiscoveryReport | undefined;
  #lastError: string | undefined;
  #commands: CommandRouter;

  constructor(options: BridgeOptions) {
    this.#o = options;
    this.#announcements = new Announcements({
      ...(options.announcedFile ? { file: options.announcedFile } : {}),
      discoveryTopic: options.topics.discovery,
      availabilityTopic: options.topics.availability,
    });
    this.#commands = new CommandRouter({
      ...options,
      // Home Assistant shows a switch as set until told otherwise; tell it what is true.
      ran: (entity) => {
        if (entity.state && this.connected) this.#publishState(entity, true);
      },
    });
  }

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  get lastDiscovery(): DiscoveryReport | undefined {
    return this.#lastDiscovery;
  }

  /** What would be published on the discovery topic now. */
  payload(): DevicePayload {
    return buildDevicePayload({
      store: this.#o.store,
      exposure: this.#o.exposure,
      device: this.#o.device,
      topics: this.#o.topics,
    });
  }

  /** Starts connecting; it does not wait for the broker, which may come later. */
  async start(): Promise<void> {
    const { connect } = await import("mqtt");
    const { topics, store } = this.#o;
    await this.#announcements.recall();
    this.#o.onConnection?.("connecting");
    const client = connect(this.#o.url, {
      clientId: `deskhub_${this.#o.device.nodeId}`,
      clean: true,
      keepalive: this.#o.keepaliveSeconds,
      reconnectPeriod: this.#o.reconnectPeriodMs,
      connectTimeout: 10_000,
      reconnectOnConnackError: true,
      resubscribe: false,
      // Everything is republished on reconnect; a queue of old values would only race it.
      queueQoSZero: false,
      // mqtt-packet otherwise pre-builds a Buffer for every 16-bit number: 6.5 MB of heap kept
      // for the daemon's life (the embedded broker shares it) to save a 2-byte allocation.
      writeCache: false,
      will: { topic: topics.availability, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
      ...this.#o.clientOptions,
    });
    this.#client = client;
    client.on("connect", () => {
      this.#lastError = undefined;
      this.#o.log.info({ broker: this.#o.url }, "connected to the MQTT broker");
      this.#o.onConnection?.("connected");
      this.#enqueue(() => this.#onConnect(), "connect");
    });
    client.on("close", () => {
      if (!this.#stopping) this.#o.onConnection?.("disconnected", `not connected to ${this.#o.url}`);
    });
    client.on("error", (error) => {
      const message = errorMessage(error);
      // A broker that is down fails every reconnect the same way; say it once.
      if (message !== this.#lastError) {
        this.#o.log.warn({ broker: this.#o.url, err: message }, "MQTT connection problem; retrying");
        this.#lastError = message;
      }
      this.#o.onConnection?.("disconnected", `${this.#o.url}: ${message}`);
    });
    client.on("message", (topic, payload, packet) => this.#onMessage(topic, payload, packet.retain));

    this.#unsubscribe.push(
      store.bus.on("entity:state", ({ entity, previous }) => this.#onState(entity, previous?.attributes)),
      store.bus.on("entity:defined", () => {
        this.#tightenHeartbeat();
        this.#scheduleDiscovery("entity defined");
      }),
      store.bus.on("command:defined", () => this.#scheduleDiscovery("command defined")),
      store.bus.on("entity:removed", () => this.#scheduleDiscovery("entity removed")),
    );
    this.#scheduleHeartbeat();
  }

  /**
   * Beats at the configured interval, or faster when an entity's `expire_after` is
   * shorter: Home Assistant must hear from it before it counts as stale.
   */
  #heartbeatInterval(): number {
    const expiries = this.#o.exposure
      .entities(this.#o.store)
      .flatMap((e) => (e.expireAfter ? [(e.expireAfter * 1000) / 2] : []));
    return Math.max(MIN_HEARTBEAT_MS, Math.min(this.#o.heartbeatMs, ...expiries));
  }

  #scheduleHeartbeat(): void {
    clearTimeout(this.#heartbeat);
    this.#beatEvery = this.#heartbeatInterval();
    this.#heartbeat = setTimeout(() => {
      if (this.connected && !this.#suspended) this.#enqueue(() => this.#heartbeatTick(), "heartbeat");
      if (!this.#stopping) this.#scheduleHeartbeat();
    }, this.#beatEvery);
  }

  /** An entity that expires sooner than the next beat brings the beat forward. */
  #tightenHeartbeat(): void {
    if (!this.#stopping && this.#heartbeatInterval() < this.#beatEvery) this.#scheduleHeartbeat();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const off of this.#unsubscribe.splice(0)) off();
    clearTimeout(this.#heartbeat);
    clearTimeout(this.#discoveryTimer);
    clearTimeout(this.#birthTimer);
    const client = this.#client;
    if (!client) return;
    if (client.connected) {
      // The will covers a crash; a clean stop says offline itself.
      await Promise.race([
        this.#publish(this.#o.topics.availability, OFFLINE, { qos: 1, retain: true }).catch(() => {}),
        new Promise((r) => setTimeout(r, STOP_PUBLISH_MS)),
      ]);
    }
    await client.endAsync(!client.connected).catch(() => {});
  }

  /** Republishes discovery, availability and every state, as after a reconnect. */
  republish(reason: string): Promise<void> {
    return this.#enqueue(() => this.#publishAll(reason), reason);
  }

  /**
   * Resolves once everything queued before it has been sent and acknowledged (or has
   * failed): the machine may sleep once Home Assistant has heard it go offline.
   */
  flush(): Promise<void> {
    return this.#enqueue(async () => {}, "flush");
  }

  #enqueue(task: () => Promise<void>, what: string): Promise<void> {
    const run = this.#chain.then(task).catch((error) => {
      this.#o.log.warn(
        { err: errorMessage(error), during: what },
        "MQTT publish failed; it is retried on reconnect",
      );
    });
    this.#chain = run;
    return run;
  }

  /** True once the broker has it (QoS 1) or it is on the wire (QoS 0); false when not connected. */
  #publish(topic: string, payload: string, options: { qos: 0 | 1; retain: boolean }): Promise<boolean> {
    const client = this.#client;
    if (!client?.connected) return Promise.resolve(false);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement for ${topic}`)), PUBLISH_TIMEOUT_MS);
    });
    return Promise.race([client.publishAsync(topic, payload, options), timeout])
      .then(() => true)
      .finally(() => clearTimeout(timer));
  }

  /** Empties retained topics; true when the broker took every one. */
  async #clear(topics: Iterable<string>): Promise<boolean> {
    let all = true;
    for (const topic of topics) all = (await this.#publish(topic, "", { qos: 1, retain: true })) && all;
    return all;
  }

  async #onConnect(): Promise<void> {
    const client = this.#client!;
    await client.subscribeAsync([...this.#o.topics.subscriptions, this.#o.topics.haStatus], { qos: 1 });
    if (await this.#clear(this.#announcements.leftovers())) this.#announcements.leftoversCleared();
    await this.#publishAll("connect");
  }

  async #publishAll(reason: string): Promise<void> {
    if (this.#suspended) return;
    await this.#publish(this.#o.topics.availability, ONLINE, { qos: 1, retain: true });
    await this.#publishDiscovery(reason, true);
    await this.#publishStates();
  }

  async #publishDiscovery(reason: string, force: boolean): Promise<void> {
    if (!this.connected) return;
    const { store, exposure } = this.#o;
    const payload = this.payload();
    const ids = componentIds(store, exposure);
    const current = new Map(
      Object.entries(payload.cmps).map(([key, c]) => [key, announcedComponent(ids.get(key) ?? key, c)]),
    );
    const changes = this.#announcements.changes(current, (id) => this.#settled(id));
    const { removed } = changes;
    const text = JSON.stringify(payload);
    if (!force && text === this.#lastPayload && removed.size === 0) return;
    const options = { qos: 1, retain: this.#o.retainDiscovery } as const;
    if (removed.size > 0) {
      // Home Assistant deletes a component only when it sees it with nothing but `p`;
      // one it is merely not told about again stays, showing its last state.
      const deleting = buildDevicePayload({ ...this.#o, removed });
      if (!(await this.#publish(this.#o.topics.discovery, JSON.stringify(deleting), options))) return;
    }
    if (!(await this.#publish(this.#o.topics.discovery, text, options))) return;
    // A retained state nothing reads any more would come back with the entity's id.
    await this.#clear(changes.unused);
    this.#lastPayload = text;
    this.#lastDiscovery = { at: Date.now(), reason, components: current.size };
    this.#o.log.debug(
      { reason, components: current.size, removed: [...removed.keys()] },
      "published discovery",
    );
    this.#o.onDiscovery?.(this.#lastDiscovery);
    await this.#announcements.commit(changes).catch((error: unknown) => {
      this.#o.log.warn({ err: errorMessage(error) }, "cannot remember the published discovery");
    });
  }

  #settled(id: string): boolean {
    const health = this.#o.store.value(`${id.split(".")[0]}.health`);
    return health === undefined || SETTLED.has(String(health));
  }

  async #publishStates(heartbeat = false): Promise<void> {
    if (this.#suspended) return;
    for (const entity of this.#o.exposure.entities(this.#o.store)) {
      // A failed module's values are its last words, not news: repeating them would
      // keep its `expire_after` sensors from expiring in Home Assistant.
      if (heartbeat && this.#failed(entity.id)) continue;
      this.#publishState(entity, true);
    }
  }

  #failed(id: string): boolean {
    return !id.endsWith(".health") && this.#o.store.value(`${id.split(".")[0]}.health`) === "failed";
  }

  /** The heartbeat keeps `expire_after` sensors fresh and heals a retained message someone cleared. */
  async #heartbeatTick(): Promise<void> {
    if (this.#suspended) return;
    await this.#publish(this.#o.topics.availability, ONLINE, { qos: 1, retain: true });
    await this.#publishStates(true);
  }

  #publishState(entity: Entity, withAttributes: boolean): void {
    const platform = platformOf(entity);
    if (!entity.state || !platform || platform === "button") return;
    const { topics } = this.#o;
    const retained = { qos: 0, retain: true } as const;
    void this.#publish(topics.state(entity.id), statePayload(platform, entity.state.value), retained).catch(
      () => {},
    );
    if (withAttributes) {
      void this.#publish(
        topics.attributes(entity.id),
        JSON.stringify(entity.state.attributes),
        retained,
      ).catch(() => {});
    }
  }

  #onState(entity: Entity, previousAttributes: Record<string, unknown> | undefined): void {
    if (entity.id === this.#o.suspendEntity) this.#onSuspendSignal(isOn(entity.state?.value));
    if (this.#announcements.awaited > 0 && entity.id.endsWith(".health"))
      this.#scheduleDiscovery("a module settled");
    if (this.#suspended || !this.connected || this.#o.exposure.excluded(entity.id)) return;
    const attributesChanged =
      previousAttributes === undefined ||
      JSON.stringify(previousAttributes) !== JSON.stringify(entity.state?.attributes ?? {});
    this.#publishState(entity, attributesChanged);
  }

  #onSuspendSignal(suspending: boolean): void {
    if (suspending === this.#suspended) return;
    if (suspending) {
      this.#o.log.info("the machine is going to sleep; publishing offline");
      this.#enqueue(async () => {
        await this.#publish(this.#o.topics.availability, OFFLINE, { qos: 1, retain: true });
        this.#suspended = true;
      }, "suspend");
    } else {
      this.#suspended = false;
      this.#o.log.info("the machine woke up; publishing online");
      this.republish("resume");
    }
  }

  #scheduleDiscovery(reason: string): void {
    clearTimeout(this.#discoveryTimer);
    this.#discoveryTimer = setTimeout(() => {
      this.#enqueue(() => this.#publishDiscovery(reason, false), reason);
    }, this.#o.debounceMs);
  }

  #onMessage(topic: string, payload: Buffer, retained: boolean): void {
    if (topic === this.#o.topics.haStatus) {
      if (payload.toString() === ONLINE) {
        // Home Assistant asks for a random delay so a houseful of devices does not answer at once.
        const delay = Math.floor((this.#o.random ?? Math.random)() * this.#o.birthDelayMs);
        clearTimeout(this.#birthTimer);
        this.#birthTimer = setTimeout(() => void this.republish("home assistant online"), delay);
      }
      return;
    }
    void this.#commands.handle(topic, payload, retained);
  }
}
