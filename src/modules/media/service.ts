import { z } from "zod";
import { errorMessage } from "../../core/errors.ts";
import type { Service, ServiceContext } from "../../core/module.ts";
import type { MediaConfig } from "./config.ts";
import { defineMediaEntities, publishLibrary, publishPlayer } from "./entities.ts";
import { isOffline } from "./jellyfin/errors.ts";
import { newerThanSdk } from "./jellyfin/version.ts";
import { PlayRequest, playHere } from "./play.ts";
import { MediaRuntime } from "./runtime.ts";

/** A switch in Home Assistant sends ON/OFF; the CLI and dashboard send booleans. */
const Toggle = z.object({
  value: z
    .union([z.boolean(), z.enum(["ON", "OFF", "on", "off", "true", "false"]), z.null()])
    .optional()
    .transform((v) =>
      v === null || v === undefined ? undefined : v === true || v === "ON" || v === "on" || v === "true",
    ),
});

/**
 * The daemon's part: the player that owns mpv for every `deskhub media ... play` while
 * it runs, its state and controls in the store, and the library cache kept fresh in the
 * background (a server that is down makes the module degraded, never dead).
 */
export function createService(ctx: ServiceContext, config: MediaConfig): Service {
  const runtime = new MediaRuntime(ctx, config, {
    onPlayerState: (state) => publishPlayer(ctx.store, state),
  });
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<unknown> | undefined;

  const refresh = async (full = false) => {
    const result = await runtime.refresh({ full });
    const state = (await runtime.cache()).state();
    publishLibrary(ctx.store, { refreshedAt: state.refreshedAt, items: state.items });
    const { server } = await runtime.jellyfin();
    ctx.health("ok", server.support === "newer" ? newerThanSdk(server.version) : undefined);
    return result;
  };

  const background = () => {
    if (!runtime.jellyfinConfigured || refreshing) return;
    refreshing = refresh()
      .catch((error: unknown) => {
        ctx.health(
          "degraded",
          `Jellyfin refresh failed: ${errorMessage(error)}${isOffline(error) ? " (menus use the cache)" : ""}`,
        );
      })
      .finally(() => {
        refreshing = undefined;
      });
  };

  return {
    async start() {
      defineMediaEntities(ctx.store);
      publishPlayer(ctx.store, { playing: false, paused: false, queued: 0 });
      const state = (await runtime.cache()).state();
      publishLibrary(ctx.store, { refreshedAt: state.refreshedAt, items: state.items });

      ctx.store.command({
        id: "media.play",
        summary: "play a Jellyfin item, a YouTube video or a URL in mpv",
        args: PlayRequest,
        handler: (args) => playHere(runtime, args),
      });
      ctx.store.command({
        id: "media.pause",
        summary: "pause or resume (toggles without a value)",
        args: Toggle,
        handler: async (args) => ({ paused: await (await runtime.player()).pause(args.value) }),
      });
      ctx.store.command({
        id: "media.next",
        summary: "skip to the next queued file",
        args: z.object({ value: z.unknown().optional() }),
        handler: async () => (await runtime.player()).next(),
      });
      ctx.store.command({
        id: "media.stop",
        summary: "stop playback",
        args: z.object({ value: z.unknown().optional() }),
        handler: async () => (await runtime.player()).stop(),
      });
      ctx.store.command({
        id: "media.seek",
        summary: "seek to a position, or by an amount",
        args: z.object({ seconds: z.number(), relative: z.boolean().default(false) }),
        handler: async (args) => (await runtime.player()).seek(args.seconds, args.relative),
      });
      ctx.store.command({
        id: "media.refresh",
        summary: "refresh the Jellyfin library cache",
        args: z.object({ full: z.boolean().default(false) }),
        handler: (args) => refresh(args.full),
      });

      background();
      timer = setInterval(background, config.jellyfin.refresh_interval * 1000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await refreshing;
      await (await runtime.player()).close();
    },
  };
}
