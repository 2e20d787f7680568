import type { IptvProxy } from "../proxy.ts";
import type { RequestContext } from "../server/context.ts";
import type { ProxyUser } from "../settings/settings.ts";

/** A number in the type the provider used for that field (panels differ; clients parse what they know). */
function like(previous: unknown, value: number): number | string {
  return typeof previous === "number" ? value : String(value);
}

function timeIn(timezone: string, now: Date): string {
  try {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    }).formatToParts(now);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
    return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}:${get("second")}`;
  } catch {
    return now.toISOString().slice(0, 19).replace("T", " ");
  }
}

/**
 * The login answer for a proxy user: the provider's own (account status, expiry,
 * formats, timezone and any fields deskhub does not know) with the user's name, limits
 * and this listener's address put in, so clients build every stream URL against deskhub.
 */
export function loginAnswer(proxy: IptvProxy, rc: RequestContext, user: ProxyUser, password: string): string {
  const stored = proxy.storedLogin();
  const userInfo: Record<string, unknown> = { ...(stored?.user_info ?? {}) };
  const serverInfo: Record<string, unknown> = { ...(stored?.server_info ?? {}) };
  const base = new URL(rc.base);
  const protocol = base.protocol === "https:" ? "https" : "http";
  const port = base.port || (protocol === "https" ? "443" : "80");
  const now = new Date();
  Object.assign(userInfo, {
    username: user.name,
    password,
    message: userInfo.message ?? "",
    auth: 1,
    status: userInfo.status ?? "Active",
    exp_date: userInfo.exp_date ?? null,
    is_trial: userInfo.is_trial ?? "0",
    active_cons: like(userInfo.active_cons, proxy.ledger.userStreams(user.name).length),
    created_at: userInfo.created_at ?? null,
    max_connections: like(userInfo.max_connections, user.maxStreams),
    allowed_output_formats: userInfo.allowed_output_formats ?? ["m3u8", "ts"],
  });
  const timezone =
    typeof serverInfo.timezone === "string" && serverInfo.timezone ? serverInfo.timezone : "UTC";
  Object.assign(serverInfo, {
    url: base.hostname.replace(/^\[|\]$/g, ""),
    port,
    https_port: port,
    server_protocol: protocol,
    rtmp_port: "",
    timezone,
    timestamp_now: Math.floor(now.getTime() / 1000),
    time_now: timeIn(timezone, now),
  });
  return JSON.stringify({ user_info: userInfo, server_info: serverInfo });
}
