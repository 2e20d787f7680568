import { z } from "zod";
import { ExitCode, UserError } from "../../core/errors.ts";
import type { ModuleContext } from "../../core/module.ts";
import { CATALOGUE_DB, MIGRATIONS } from "./catalogue/db.ts";
import type { IptvConfig } from "./config.ts";
import { IptvEntities } from "./entities.ts";
import { IptvProxy } from "./proxy.ts";
import type { Listener } from "./server/context.ts";
import { type ListenerServer, startListener } from "./server/server.ts";
import { snapshot, writeSessions } from "./sessions-file.ts";
import { watchConfig } from "./settings/reload.ts";
import type { UpstreamAccount } from "./settings/settings.ts";
import { tokenKey } from "./token-key.ts";

const HINT =
  "set iptv.upstream.server and iptv.upstream.username in the config (or UPSTREAM_SERVER / UPSTREAM_USERNAME)";

/** The main upstream account; its password comes from secrets first (UPSTREAM_PASSWORD, SOPS), then the config. */
export async function resolveAccount(ctx: ModuleContext, config: IptvConfig): Promise<UpstreamAccount> {
  const { server, username } = config.upstream;
  if (!server || !username)
    throw new UserError("the IPTV provider is not configured", { code: ExitCode.config, hint: HINT });
  const password = (await ctx.secrets.get("iptv_upstream_password")) ?? config.upstream.password;
  if (!password) {
    throw new UserError("the IPTV provider's password is not set", {
      code: ExitCode.config,
      hint: ctx.secrets.howToSet("iptv_upstream_password"),
    });
  }
  return { server, username, password };
}

/** The proxy's state without listeners: what `refresh` and `m3u` need. */
export async function openProxy(ctx: ModuleContext, config: IptvConfig): Promise<IptvProxy> {
  const account = await resolveAccount(ctx, config);
  const key = await tokenKey(ctx, config.token_key);
  const db = await ctx.openDb(CATALOGUE_DB, MIGRATIONS);
  return new IptvProxy({ ctx, config, account, key, db });
}

export interface RunningProxy {
  proxy: IptvProxy;
  listeners: ListenerServer[];
  stop(): Promise<void>;
}

export interface StartHooks {
  health?(state: "ok" | "degraded", message?: string): void;
}

/** How often stale lists are looked for; a failed refresh is retried on the same beat. */
const REFRESH_CHECK_MS = 60_000;

/**
 * Runs the proxy: every enabled listener, the background catalogue refresh, the
 * entities, the sessions file and the config watcher. Used by the daemon's service
 * and by `deskhub iptv serve`.
 */
export async function startProxy(
  ctx: ModuleContext,
  config: IptvConfig,
  hooks: StartHooks = {},
): Promise<RunningProxy> {
  const proxy = await openProxy(ctx, config);
  const listeners: ListenerServer[] = [];
  const cleanups: Array<() => void | Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    proxy.close();
    await Promise.all(listeners.map((l) => l.close()));
  };
  try {
    for (const [name, listener] of Object.entries(config.listeners)) {
      if (!listener.enabled) continue;
      listeners.push(await startListener(proxy, { name, ...listener } satisfies Listener));
    }
    const shown = listeners.map((l) => ({
      name: l.name,
      url: l.url,
      profile: config.listeners[l.name]!.profile,
    }));
    ctx.log.info({ listeners: shown }, "iptv proxy listening");

    const entities = new IptvEntities(ctx.store, proxy);
    entities.start();
    cleanups.push(() => entities.stop());
    const sessions = writeSessions(proxy, ctx.paths, shown);
    cleanups.push(() => sessions.stop());
    const report = () => {
      sessions.update();
      const error = proxy.catalogue.lastError;
      if (error) hooks.health?.("degraded", `catalogue: ${error}; serving the cached lists`);
      else hooks.health?.("ok");
    };
    const refresh = async () => {
      try {
        return await proxy.refresh();
      } finally {
        report();
        entities.update();
      }
    };
    registerCommands(ctx, proxy, shown, refresh);

    // Start answering at once; lists and line limits arrive in the background.
    void (async () => {
      await proxy.checkLines();
      if (proxy.catalogue.isStale()) await proxy.catalogue.refresh();
      report();
      entities.update();
    })().catch(() => {});
    const timer = setInterval(() => {
      if (proxy.catalogue.isStale()) refresh().catch(() => {});
    }, REFRESH_CHECK_MS);
    timer.unref();
    cleanups.push(() => clearInterval(timer));
    cleanups.push(await watchConfig(ctx, config, (next) => proxy.apply(next), ctx.log));
    return { proxy, listeners, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function registerCommands(
  ctx: ModuleContext,
  proxy: IptvProxy,
  listeners: Parameters<typeof snapshot>[1],
  refresh: () => Promise<unknown>,
): void {
  ctx.store.command({
    id: "iptv.refresh",
    summary: "Refresh the IPTV catalogue and line limits from the provider now",
    args: z.object({}).loose(),
    handler: refresh,
  });
  ctx.store.command({
    id: "iptv.sessions",
    summary: "Who is watching what through the IPTV proxy",
    args: z.object({}),
    handler: () => snapshot(proxy, listeners),
  });
}
