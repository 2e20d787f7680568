import { joinMpv } from "../../../desktop/mpv/launch.ts";
import { newerThanSdk, SDK_API_VERSION, serverSupport } from "../jellyfin/version.ts";
import { age, clock } from "../labels.ts";
import { type App, note, runtimeFor } from "./common.ts";

export async function refreshAction(app: App, options: { full?: boolean; json?: boolean }): Promise<void> {
  const runtime = await runtimeFor(app);
  const result = await runtime.refresh({ full: options.full });
  if (options.json) {
    app.output.json(result);
    return;
  }
  app.output.line(
    `${result.mode} refresh: ${result.fetched} items read, ${result.removed} removed, ${result.items} cached from ${result.libraries} libraries in ${(result.ms / 1000).toFixed(1)} s`,
  );
}

export async function statusAction(app: App, options: { json?: boolean }): Promise<void> {
  const runtime = await runtimeFor(app);
  const cache = (await runtime.cache()).state();
  const youtube = await runtime.youtubeStore();
  const lists = Object.fromEntries(
    (["watchlater", "subscriptions"] as const).map((list) => {
      const { entries, fetchedAt } = youtube.list(list);
      return [
        list,
        { entries: entries.length, fetched_at: fetchedAt ? new Date(fetchedAt).toISOString() : null },
      ];
    }),
  );
  const support = cache.serverVersion ? serverSupport(cache.serverVersion) : undefined;
  const waiting = (await runtime.pending()).list().length;
  const mpv = await joinMpv(runtime.socketPath);
  const player = mpv ? await (await runtime.player()).state() : { playing: false, paused: false, queued: 0 };
  mpv?.ipc.close();
  const status = {
    jellyfin: {
      configured: runtime.jellyfinConfigured,
      server: cache.serverUrl ?? (runtime.config.jellyfin.url || null),
      server_name: cache.serverName ?? null,
      server_version: cache.serverVersion ?? null,
      /** The API @jellyfin/sdk's typings were generated from, and where the server stands against it. */
      sdk_api_version: SDK_API_VERSION,
      server_support: support ?? null,
      user: cache.userName ?? null,
      cached_items: cache.items,
      refreshed_at: cache.refreshedAt ? new Date(cache.refreshedAt).toISOString() : null,
      full_refreshed_at: cache.fullRefreshedAt ? new Date(cache.fullRefreshedAt).toISOString() : null,
      /** Play states saved while the server could not be reached, sent on the next connection. */
      waiting_for_server: waiting,
    },
    youtube: { lists, watched: youtube.watchedIds().size },
    player,
  };
  if (options.json) {
    app.output.json(status);
    return;
  }
  const jf = status.jellyfin;
  if (!jf.configured) note("Jellyfin: not configured (media.jellyfin.url or JELLYFIN_URL)");
  else {
    app.output.line(
      `Jellyfin: ${jf.server}${jf.server_version ? ` (${jf.server_name} ${jf.server_version})` : ""}${jf.user ? ` as ${jf.user}` : ""}`,
    );
    app.output.line(`  cache: ${jf.cached_items} items, refreshed ${age(cache.refreshedAt)}`);
    if (waiting) app.output.line(`  ${waiting} play state(s) waiting to reach the server`);
    if (support === "newer") note(`note: ${newerThanSdk(jf.server_version ?? "")}`);
  }
  app.output.line(
    `YouTube: Watch Later ${lists.watchlater?.entries ?? 0} cached (${age(youtube.list("watchlater").fetchedAt)}), ${status.youtube.watched} watched here`,
  );
  app.output.line(
    player.playing
      ? `Player: ${player.paused ? "paused" : "playing"} ${player.title ?? ""} at ${clock(player.position ?? 0)}${player.duration ? ` of ${clock(player.duration)}` : ""}`
      : "Player: idle",
  );
}
