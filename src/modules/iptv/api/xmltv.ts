import { createGzip } from "node:zlib";
import { withBase } from "../catalogue/patch.ts";
import { xmltvFilter } from "../epg/filter.ts";
import type { IptvProxy } from "../proxy.ts";
import type { RequestContext } from "../server/context.ts";
import { pipeToClient } from "../streams/pipe.ts";
import { visibleStreams } from "./lists.ts";
import { requireUser } from "./require-user.ts";

/**
 * xmltv.php: the provider's guide, cut down as it streams to the channels this viewer
 * may see (by their epg_channel_id), gzipped for clients that ask for it.
 */
export async function xmltv(proxy: IptvProxy, rc: RequestContext, params: URLSearchParams): Promise<void> {
  const user = await requireUser(proxy, rc, params.get("username"), params.get("password"), false);
  await proxy.catalogue.ready();
  const channels = new Set<string>();
  for (const row of visibleStreams(proxy.catalogue, proxy.view(rc, user), "live"))
    if (row.epgId) channels.add(row.epgId);
  await proxy.xmltv.ready();
  const patcher = proxy.patcher;
  const filter = xmltvFilter({
    keep: (id) => channels.has(id),
    image: (url) => withBase(patcher.image(url), rc.base),
    clean: (text) => patcher.clean(text),
    onError: (message) =>
      proxy.log.warn({ reason: message.slice(0, 200) }, "the provider's guide has broken XML; carrying on"),
  });
  const gzip = /\bgzip\b/.test(String(rc.req.headers["accept-encoding"] ?? ""));
  rc.res.writeHead(200, {
    "content-type": "application/xml; charset=utf-8",
    "cache-control": "no-store",
    ...(gzip ? { "content-encoding": "gzip", vary: "accept-encoding" } : {}),
  });
  if (rc.req.method === "HEAD") {
    rc.res.end();
    return;
  }
  const delivered = pipeToClient(rc.res, gzip ? [filter, createGzip({ level: 4 })] : [filter]);
  await proxy.xmltv.feed(filter);
  await delivered;
}
