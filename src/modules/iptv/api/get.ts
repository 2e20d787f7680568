import type { IptvProxy } from "../proxy.ts";
import type { RequestContext } from "../server/context.ts";
import { HttpError, sendChunks } from "../server/respond.ts";
import { m3uPlaylist } from "./m3u.ts";
import { requireUser } from "./require-user.ts";

const OUTPUTS: Record<string, "ts" | "m3u8"> = { ts: "ts", mpegts: "ts", m3u8: "m3u8", hls: "m3u8" };

/** get.php: the viewer's playlist for players that take an M3U instead of the API. */
export async function getPlaylist(
  proxy: IptvProxy,
  rc: RequestContext,
  params: URLSearchParams,
): Promise<void> {
  const username = params.get("username");
  const password = params.get("password");
  const user = await requireUser(proxy, rc, username, password, false);
  const type = params.get("type") || "m3u_plus";
  if (type !== "m3u" && type !== "m3u_plus")
    throw new HttpError(400, `type must be m3u or m3u_plus, not "${type.slice(0, 20)}"`);
  const output = OUTPUTS[params.get("output") || "ts"];
  if (!output) throw new HttpError(400, "output must be ts, m3u8 or hls");
  await proxy.catalogue.ready();
  const playlist = m3uPlaylist({
    catalogue: proxy.catalogue,
    view: proxy.view(rc, user),
    base: rc.base,
    username: user.name,
    password: password ?? "",
    type,
    output,
  });
  await sendChunks(rc.res, "audio/x-mpegurl; charset=utf-8", playlist, {
    "content-disposition": `attachment; filename="${user.name}.m3u"`,
  });
}
