import { z } from "zod";
import type { IptvProxy } from "../proxy.ts";
import type { RequestContext } from "../server/context.ts";
import { HttpError, sendChunks } from "../server/respond.ts";
import type { ProxyUser } from "../settings/settings.ts";
import { UpstreamError } from "../upstream/errors.ts";
import type { UpstreamLine } from "../upstream/line.ts";
import { readBody, requestUpstream } from "../upstream/request.ts";
import { isPlaylist, rewritePlaylist, type UriKind } from "./hls-playlist.ts";
import type { HlsSession } from "./hls-sessions.ts";
import { openForRelay, sendAnswer } from "./relay.ts";

const PLAYLIST_LIMIT = 4 * 1024 * 1024;
const PLAYLIST_TYPE = "application/vnd.apple.mpegurl";

/** What an HLS link carries: the provider URL, whose line and session it belongs to, and until when. */
const HlsToken = z.object({
  k: z.literal("h"),
  u: z.url({ protocol: /^https?$/ }),
  l: z.string(),
  n: z.string(),
  s: z.string(),
  c: z.string(),
  e: z.number(),
  t: z.enum(["p", "m"]),
});
type HlsToken = z.output<typeof HlsToken>;

interface PlaylistContext {
  proxy: IptvProxy;
  rc: RequestContext;
  user: ProxyUser;
  line: UpstreamLine;
  session: HlsSession;
  streamId: string;
}

function linkFor(context: PlaylistContext): (url: URL, kind: UriKind) => string {
  // Rounded up to the hour, so one session's links stay the same from one playlist reload to the next.
  const ttl = context.proxy.config.security.token_ttl;
  const expires = Math.ceil((Date.now() / 1000 + ttl) / 3600) * 3600;
  return (url, kind) => {
    const payload: HlsToken = {
      k: "h",
      u: url.href,
      l: context.line.key,
      n: context.user.name,
      s: context.session.id,
      c: context.streamId,
      e: expires,
      t: kind === "playlist" ? "p" : "m",
    };
    const ext = /\.([A-Za-z0-9]{1,5})$/.exec(url.pathname)?.[1]?.toLowerCase() ?? "ts";
    const name = kind === "playlist" ? "index.m3u8" : `media.${ext}`;
    return `${context.rc.base}/hls/${context.proxy.sealer.seal(payload)}/${name}`;
  };
}

async function sendPlaylist(context: PlaylistContext, text: string, from: URL): Promise<void> {
  if (!isPlaylist(text, undefined))
    throw new UpstreamError("bad_response", "the provider did not send an HLS playlist");
  const rewritten = rewritePlaylist(text, from, linkFor(context));
  context.session.addBytes(Buffer.byteLength(rewritten));
  await sendChunks(context.rc.res, PLAYLIST_TYPE, [rewritten]);
}

async function fetchPlaylist(context: PlaylistContext, url: URL): Promise<void> {
  const { proxy, rc } = context;
  const answer = await requestUpstream(url, {
    timeoutMs: proxy.tuning().timeoutMs,
    headers: { "user-agent": proxy.userAgent(rc.req), accept: "*/*" },
    signal: rc.signal,
    keepAlive: true,
  });
  if (answer.status !== 200) {
    answer.res.resume();
    throw new UpstreamError(
      "status",
      `the provider answered HTTP ${answer.status} for the playlist`,
      answer.status,
    );
  }
  const body = await readBody(answer.res, PLAYLIST_LIMIT);
  await sendPlaylist(context, body.toString("utf8"), answer.url);
}

/** /live/u/p/id.m3u8: the provider's playlist (after its redirects), every URI made a proxy link. */
export async function hlsPlaylist(
  proxy: IptvProxy,
  rc: RequestContext,
  user: ProxyUser,
  streamId: string,
): Promise<void> {
  const line = proxy.settings.line(user.lineKey);
  const session = await proxy.hls.open({
    user,
    holder: { user: user.name, device: rc.device },
    line,
    streamId,
    listener: rc.listener.name,
    signal: rc.signal,
  });
  await fetchPlaylist({ proxy, rc, user, line, session, streamId }, line.stream("live", streamId, "m3u8"));
}

/** /hls/<token>/...: a nested playlist, a segment, a key or an init section. */
export async function hlsLink(proxy: IptvProxy, rc: RequestContext, token: string): Promise<void> {
  const parsed = HlsToken.safeParse(proxy.sealer.open(token));
  if (!parsed.success)
    throw new HttpError(403, "this link is not valid here (damaged, or signed with another key)");
  const payload = parsed.data;
  if (payload.e * 1000 < Date.now())
    throw new HttpError(410, "this link has expired; open the channel again");
  const user = proxy.settings.users.get(payload.n);
  if (!user) throw new HttpError(403, "the account this link was made for no longer exists");
  const line = proxy.settings.line(user.lineKey);
  if (line.key !== payload.l)
    throw new HttpError(
      403,
      "this link belongs to a line the account no longer uses; open the channel again",
    );
  const session = await proxy.hls.open({
    id: payload.s,
    user,
    holder: { user: user.name, device: rc.device },
    line,
    streamId: payload.c,
    listener: rc.listener.name,
    signal: rc.signal,
  });
  const context: PlaylistContext = { proxy, rc, user, line, session, streamId: payload.c };
  const url = new URL(payload.u);
  if (payload.t === "p") return fetchPlaylist(context, url);
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
    keepAlive: true,
    onBytes: (n: number) => {
      session.addBytes(n);
      session.touch();
    },
  };
  const answer = await openForRelay(options);
  const type = answer.res.headers["content-type"];
  // A "segment" that is really a playlist (or may be: text, no type) is read and rewritten, never passed raw.
  if (!type || /mpegurl|^text\//i.test(type) || /\.m3u8?$/i.test(answer.url.pathname)) {
    const body = await readBody(answer.res, PLAYLIST_LIMIT);
    if (isPlaylist(body, type)) return sendPlaylist(context, body.toString("utf8"), answer.url);
    const patched = proxy.patcher.leaks(body.toString("latin1")) ? Buffer.alloc(0) : body;
    rc.res.writeHead(answer.status, {
      "content-type": type ?? "application/octet-stream",
      "content-length": patched.length,
    });
    rc.res.end(patched);
    return;
  }
  await sendAnswer(answer, options);
}
