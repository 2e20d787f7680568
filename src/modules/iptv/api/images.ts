import { z } from "zod";
import type { IptvProxy } from "../proxy.ts";
import type { RequestContext } from "../server/context.ts";
import { HttpError } from "../server/respond.ts";
import { relay } from "../streams/relay.ts";

const ImageToken = z.object({ k: z.literal("i"), u: z.url({ protocol: /^https?$/ }) });

/** /img/<token>: artwork fetched from wherever the provider keeps it, so its host never shows. */
export async function image(proxy: IptvProxy, rc: RequestContext, token: string): Promise<void> {
  const parsed = ImageToken.safeParse(proxy.sealer.open(token));
  if (!parsed.success) throw new HttpError(404, "no such image (the link is damaged or from another key)");
  const tuning = proxy.tuning();
  await relay({
    url: new URL(parsed.data.u),
    req: rc.req,
    res: rc.res,
    signal: rc.signal,
    timeoutMs: tuning.timeoutMs,
    idleMs: tuning.idleMs,
    retryUntil: 0,
    userAgent: proxy.userAgent(rc.req),
    ranges: false,
    accept: /^image\//i,
    keepAlive: true,
    extraHeaders: { "cache-control": "public, max-age=86400" },
  });
}
