import { visibleStream } from "../api/lists.ts";
import { requireUser } from "../api/require-user.ts";
import type { IptvProxy } from "../proxy.ts";
import type { RequestContext } from "../server/context.ts";
import { endSuperseded, HttpError } from "../server/respond.ts";
import type { ProxyUser } from "../settings/settings.ts";
import type { UpstreamLine } from "../upstream/line.ts";
import { hlsPlaylist } from "./hls.ts";
import type { Holder, ViewerInfo } from "./ledger.ts";
import { relay } from "./relay.ts";

export function holderOf(rc: RequestContext, user: ProxyUser): Holder {
  return { user: user.name, device: rc.device };
}

/** The live channel, if it exists and this viewer may see it; a 404 otherwise. */
async function liveChannel(proxy: IptvProxy, rc: RequestContext, user: ProxyUser, id: string): Promise<void> {
  await proxy.catalogue.ready();
  if (!visibleStream(proxy.catalogue, proxy.view(rc, user), "live", id))
    throw new HttpError(404, `no channel ${id} for ${user.name}`);
}

/** Streams a file-like answer (VOD, episode, catch-up) holding a viewer and a line slot while it runs. */
async function relayCounted(
  proxy: IptvProxy,
  rc: RequestContext,
  user: ProxyUser,
  url: URL,
  info: ViewerInfo,
): Promise<void> {
  const tuning = proxy.tuning();
  const options = {
    url,
    req: rc.req,
    res: rc.res,
    signal: rc.signal,
    timeoutMs: tuning.timeoutMs,
    idleMs: tuning.idleMs,
    retryUntil: Date.now() + tuning.graceMs,
    userAgent: proxy.userAgent(rc.req),
    ranges: true,
  };
  // A HEAD is over in a moment; it takes no slot (players send one before every play).
  if (rc.req.method === "HEAD") return relay(options);
  const line = proxy.settings.line(user.lineKey);
  const holder = holderOf(rc, user);
  const key = `${info.kind}:${line.key}/${info.streamId}`;
  const viewer = await proxy.ledger.admitViewer(user, holder, key, info, tuning.graceMs, rc.signal);
  viewer.setCloser((reason) => endSuperseded(rc.res, reason));
  try {
    const connection = await proxy.ledger.acquireConnection(
      line,
      holder,
      key,
      { owners: () => [holder], close: () => viewer.viewer.close("switched to another stream") },
      tuning.graceMs,
      rc.signal,
    );
    try {
      await relay({ ...options, onBytes: (n) => (viewer.viewer.bytes += n) });
    } finally {
      connection.release();
    }
  } finally {
    viewer.release();
  }
}

function lineOf(proxy: IptvProxy, user: ProxyUser): UpstreamLine {
  return proxy.settings.line(user.lineKey);
}

export async function streamRoute(
  proxy: IptvProxy,
  rc: RequestContext,
  route: { kind: "live" | "movie" | "series"; username: string; password: string; id: string; ext: string },
): Promise<void> {
  const user = await requireUser(proxy, rc, route.username, route.password, false);
  const info = { streamId: route.id, listener: rc.listener.name, lineKey: user.lineKey };
  if (route.kind === "live") {
    await liveChannel(proxy, rc, user, route.id);
    if (route.ext === "m3u8") return hlsPlaylist(proxy, rc, user, route.id);
    if (route.ext !== "ts") throw new HttpError(400, "a live channel is .ts or .m3u8");
    if (rc.req.method === "HEAD") {
      rc.res.writeHead(200, { "content-type": "video/mp2t", "cache-control": "no-store" });
      rc.res.end();
      return;
    }
    const line = lineOf(proxy, user);
    const ticket = await proxy.ledger.admitViewer(
      user,
      holderOf(rc, user),
      `live:${line.key}/${route.id}`,
      { kind: "live", ...info },
      proxy.tuning().graceMs,
      rc.signal,
    );
    try {
      await proxy.hubs.watch({
        line,
        streamId: route.id,
        ticket,
        res: rc.res,
        userAgent: proxy.userAgent(rc.req),
      });
    } catch (error) {
      ticket.release();
      throw error;
    }
    return;
  }
  await proxy.catalogue.ready();
  const view = proxy.view(rc, user);
  if (route.kind === "movie") {
    if (!visibleStream(proxy.catalogue, view, "vod", route.id))
      throw new HttpError(404, `no movie ${route.id} for ${user.name}`);
  } else {
    const episode = proxy.catalogue.db.episode(route.id);
    if (!episode || !visibleStream(proxy.catalogue, view, "series", episode.seriesId)) {
      throw new HttpError(404, `no episode ${route.id} for ${user.name} (open its series first)`);
    }
  }
  const url = lineOf(proxy, user).stream(route.kind, route.id, route.ext);
  await relayCounted(proxy, rc, user, url, { kind: route.kind, ...info });
}

export async function timeshiftRoute(
  proxy: IptvProxy,
  rc: RequestContext,
  route: { username: string; password: string; duration: string; start: string; id: string; ext: string },
): Promise<void> {
  const user = await requireUser(proxy, rc, route.username, route.password, false);
  await liveChannel(proxy, rc, user, route.id);
  const url = lineOf(proxy, user).timeshift(route.duration, route.start, route.id, route.ext);
  await relayCounted(proxy, rc, user, url, {
    kind: "timeshift",
    streamId: route.id,
    listener: rc.listener.name,
    lineKey: user.lineKey,
  });
}

/** /streaming/timeshift.php?username=&password=&stream=&start=&duration= */
export async function timeshiftPhpRoute(
  proxy: IptvProxy,
  rc: RequestContext,
  params: URLSearchParams,
): Promise<void> {
  const user = await requireUser(proxy, rc, params.get("username"), params.get("password"), false);
  const stream = params.get("stream") ?? "";
  const start = params.get("start") ?? "";
  const duration = params.get("duration") ?? "";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stream)) throw new HttpError(400, "stream must be a channel id");
  if (!/^[0-9][0-9:_ .T-]{6,24}$/.test(start))
    throw new HttpError(400, "start must look like 2025-03-03:13-57");
  if (!/^\d{1,6}$/.test(duration)) throw new HttpError(400, "duration must be a number of minutes");
  await liveChannel(proxy, rc, user, stream);
  const url = lineOf(proxy, user).timeshiftPhp({ stream, start, duration });
  await relayCounted(proxy, rc, user, url, {
    kind: "timeshift",
    streamId: stream,
    listener: rc.listener.name,
    lineKey: user.lineKey,
  });
}
