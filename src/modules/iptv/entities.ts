import type { Store } from "../../core/store.ts";
import type { IptvProxy } from "./proxy.ts";
import { lineLabel } from "./settings/settings.ts";

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "") || "x"
  );
}

/**
 * What the proxy shows Home Assistant, the dashboard and waybar: streams per person,
 * connections used and allowed per upstream line, catalogue age and throughput.
 */
export class IptvEntities {
  readonly #store: Store;
  readonly #proxy: IptvProxy;
  #defined = new Set<string>();
  #lastBytes = 0;
  #lastAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #pending: NodeJS.Timeout | undefined;
  #unsubscribe: () => void = () => {};

  constructor(store: Store, proxy: IptvProxy) {
    this.#store = store;
    this.#proxy = proxy;
  }

  #define(id: string, def: Omit<Parameters<Store["define"]>[0], "id">): void {
    if (this.#defined.has(id)) return;
    this.#store.define({ id, ...def });
    this.#defined.add(id);
  }

  start(intervalMs = 5000): void {
    this.#define("iptv.active_streams", {
      kind: "sensor",
      name: "IPTV streams",
      icon: "mdi:television-play",
      stateClass: "measurement",
    });
    this.#define("iptv.catalogue_age", {
      kind: "sensor",
      name: "IPTV catalogue age",
      unit: "min",
      deviceClass: "duration",
      category: "diagnostic",
      icon: "mdi:playlist-check",
    });
    this.#define("iptv.throughput", {
      kind: "sensor",
      name: "IPTV throughput",
      unit: "kB/s",
      deviceClass: "data_rate",
      stateClass: "measurement",
      icon: "mdi:speedometer",
    });
    this.#define("iptv.refresh", {
      kind: "button",
      name: "Refresh IPTV catalogue",
      command: "iptv.refresh",
      category: "config",
    });
    this.#lastBytes = this.#totalBytes();
    this.#lastAt = Date.now();
    this.update();
    this.#unsubscribe = this.#proxy.ledger.onChange(() => {
      this.#pending ??= setTimeout(() => {
        this.#pending = undefined;
        this.update();
      }, 250);
    });
    this.#timer = setInterval(() => this.update(true), intervalMs);
    this.#timer.unref();
  }

  #totalBytes(): number {
    let total = this.#proxy.ledger.bytesOut;
    for (const viewer of this.#proxy.ledger.viewers.values()) total += viewer.bytes;
    return total;
  }

  update(withRate = false): void {
    const { ledger, settings, catalogue } = this.#proxy;
    const viewers = [...ledger.viewers.values()];
    this.#store.set("iptv.active_streams", viewers.length, {
      streams: viewers.map((v) => ({ user: v.user, kind: v.kind, stream: v.streamId, listener: v.listener })),
    });
    for (const user of settings.users.values()) {
      const id = `iptv.user_${slug(user.name)}_streams`;
      this.#define(id, {
        kind: "sensor",
        name: `IPTV streams of ${user.name}`,
        icon: "mdi:account-eye",
        stateClass: "measurement",
      });
      const mine = viewers.filter((v) => v.user === user.name);
      this.#store.set(id, mine.length, {
        max: user.maxStreams,
        streams: mine.map((v) => `${v.kind}:${v.streamId}`),
      });
    }
    for (const line of settings.lines.values()) {
      const label = lineLabel(line.key);
      const base = `iptv.line_${slug(label)}`;
      this.#define(`${base}_connections`, {
        kind: "sensor",
        name: `IPTV ${label} line connections`,
        icon: "mdi:lan-connect",
        stateClass: "measurement",
      });
      this.#define(`${base}_limit`, {
        kind: "sensor",
        name: `IPTV ${label} line limit`,
        icon: "mdi:lan-pending",
        category: "diagnostic",
      });
      this.#store.set(`${base}_connections`, ledger.lineConnections(line.key).length, { limit: line.limit });
      this.#store.set(`${base}_limit`, line.limit);
    }
    const age = catalogue.ageSeconds();
    this.#store.set("iptv.catalogue_age", age === undefined ? null : Math.round(age / 60), {
      error: catalogue.lastError ?? null,
      lists: catalogue.status(),
    });
    if (withRate) {
      // Bytes of streams that ended count once through ledger.bytesOut; live ones through their viewers.
      const total = this.#totalBytes();
      const now = Date.now();
      const rate = Math.max(0, (total - this.#lastBytes) / 1024 / ((now - this.#lastAt) / 1000));
      this.#lastBytes = total;
      this.#lastAt = now;
      this.#store.set("iptv.throughput", Math.round(rate));
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#pending) clearTimeout(this.#pending);
    this.#unsubscribe();
  }
}
