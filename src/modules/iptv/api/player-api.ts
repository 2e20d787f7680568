import type { DetailKind } from "../catalogue/details.ts";
import { withBaseJson } from "../catalogue/patch.ts";
import type { Kind } from "../catalogue/rows.ts";
import type { IptvProxy } from "../proxy.ts";
import type { RequestContext } from "../server/context.ts";
import { HttpError, sendChunks, sendJson } from "../server/respond.ts";
import { STREAM_ID } from "../server/routes.ts";
import { categoriesJson, streamsJson, visibleStream } from "./lists.ts";
import { loginAnswer } from "./login.ts";
import { requireUser } from "./require-user.ts";

const CATEGORY_ACTIONS: Record<string, Kind> = {
  get_live_categories: "live",
  get_vod_categories: "vod",
  get_series_categories: "series",
};

const STREAM_ACTIONS: Record<string, Kind> = {
  get_live_streams: "live",
  get_vod_streams: "vod",
  get_series: "series",
};

/** Detail actions: which list the id must be visible in, and what "nothing" looks like. */
const DETAIL_ACTIONS: Record<DetailKind, { kind: Kind; param: string; empty: string }> = {
  get_vod_info: { kind: "vod", param: "vod_id", empty: "[]" },
  get_series_info: { kind: "series", param: "series_id", empty: "[]" },
  get_short_epg: { kind: "live", param: "stream_id", empty: '{"epg_listings":[]}' },
  get_simple_data_table: { kind: "live", param: "stream_id", empty: '{"epg_listings":[]}' },
};

function idParam(params: URLSearchParams, name: string, action: string): string {
  const value = params.get(name);
  if (value === null || value === "") throw new HttpError(400, `${action} needs ${name}`);
  if (!STREAM_ID.test(value)) throw new HttpError(400, `${name} must be an id such as 1234`);
  return value;
}

/**
 * player_api.php: login and every catalogue action, answered from the cache as the
 * viewer's profiles allow; category_id narrows any list, of categories or of streams,
 * to that category. An unknown action gets the login answer, as panels give.
 */
export async function playerApi(
  proxy: IptvProxy,
  rc: RequestContext,
  params: URLSearchParams,
): Promise<void> {
  const password = params.get("password");
  const user = await requireUser(proxy, rc, params.get("username"), password, true);
  const action = params.get("action") ?? "";
  const view = proxy.view(rc, user);
  const categoryParam = params.get("category_id");
  if (categoryParam !== null && categoryParam !== "" && !STREAM_ID.test(categoryParam)) {
    throw new HttpError(400, "category_id must be an id such as 12");
  }
  const categoryId = categoryParam || undefined;

  const categoryKind = CATEGORY_ACTIONS[action];
  if (categoryKind) {
    await proxy.catalogue.ready();
    sendJson(rc.res, 200, categoriesJson(proxy.catalogue, view, categoryKind, rc.base, categoryId));
    return;
  }
  const streamKind = STREAM_ACTIONS[action];
  if (streamKind) {
    await proxy.catalogue.ready();
    await sendChunks(
      rc.res,
      "application/json; charset=utf-8",
      streamsJson(proxy.catalogue, view, streamKind, rc.base, categoryId),
    );
    return;
  }
  const detail = DETAIL_ACTIONS[action as DetailKind];
  if (detail) {
    const id = idParam(params, detail.param, action);
    await proxy.catalogue.ready();
    if (!visibleStream(proxy.catalogue, view, detail.kind, id)) {
      sendJson(rc.res, 200, detail.empty);
      return;
    }
    const limit = params.get("limit");
    const extra: Record<string, string> =
      action === "get_short_epg" && limit && /^\d{1,3}$/.test(limit) ? { limit } : {};
    const text = await proxy.details.get(action as DetailKind, id, extra);
    sendJson(rc.res, 200, withBaseJson(text, rc.base));
    return;
  }
  sendJson(rc.res, 200, loginAnswer(proxy, rc, user, password ?? ""));
}
