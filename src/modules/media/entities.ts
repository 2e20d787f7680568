import type { Store } from "../../core/store.ts";
import type { PlayerState } from "./player/player.ts";

/**
 * The player as entities: Home Assistant, the dashboard and waybar see what plays and
 * can pause it, skip to the next file, or stop, without knowing about mpv.
 */
export function defineMediaEntities(store: Store): void {
  store.define({
    id: "media.now_playing",
    kind: "sensor",
    name: "Now playing",
    icon: "mdi:play-box-outline",
  });
  store.define({
    id: "media.position",
    kind: "sensor",
    name: "Playback position",
    unit: "s",
    deviceClass: "duration",
    icon: "mdi:timer-play-outline",
  });
  store.define({
    id: "media.paused",
    kind: "switch",
    name: "Paused",
    icon: "mdi:pause",
    command: "media.pause",
  });
  store.define({
    id: "media.next",
    kind: "button",
    name: "Next",
    icon: "mdi:skip-next",
    command: "media.next",
  });
  store.define({ id: "media.stop", kind: "button", name: "Stop", icon: "mdi:stop", command: "media.stop" });
  store.define({
    id: "media.library_refreshed",
    kind: "sensor",
    name: "Library cache refreshed",
    deviceClass: "timestamp",
    category: "diagnostic",
    icon: "mdi:database-clock",
  });
  store.define({
    id: "media.library_items",
    kind: "sensor",
    name: "Library items cached",
    stateClass: "measurement",
    category: "diagnostic",
    icon: "mdi:filmstrip-box-multiple",
  });
}

export function publishPlayer(store: Store, state: PlayerState): void {
  if (!store.get("media.now_playing")) return;
  const attributes = {
    source: state.source ?? null,
    id: state.id ?? null,
    duration: state.duration === undefined ? null : Math.round(state.duration),
    queued: state.queued,
  };
  store.set("media.now_playing", state.playing ? (state.title ?? null) : null, attributes);
  store.set(
    "media.position",
    state.playing && state.position !== undefined ? Math.round(state.position) : null,
    {
      duration: attributes.duration,
    },
  );
  store.set("media.paused", state.playing ? state.paused : false);
}

export function publishLibrary(store: Store, info: { refreshedAt: number | undefined; items: number }): void {
  if (!store.get("media.library_refreshed")) return;
  store.set("media.library_refreshed", info.refreshedAt ? new Date(info.refreshedAt).toISOString() : null);
  store.set("media.library_items", info.items);
}
