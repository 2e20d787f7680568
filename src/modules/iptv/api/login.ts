import type { IptvProxy, StoredLogin } from "../proxy.ts";
import type { RequestContext } from "../server/context.ts";
import type { ProxyUser } from "../settings/settings.ts";

/**
 * A number in the type the provider used for that field: panels differ, and a client
 * parses what it was written against. `usual` is the type when the provider sent none.
 */
function like(previous: unknown, value: number, usual: "number" | "string"): number | string {
  const type = typeof previous === "number" || typeof previous === "string" ? typeof previous : usual;
  return type === "number" ? value : String(value);
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

export interface LoginFor {
  username: string;
  password: string;
  maxStreams: number;
  activeStreams: number;
  /** `http://host:port` as the client reaches the listener. */
  base: string;
  now: Date;
}

/**
 * The login answer for a proxy user: the provider's own (account status, expiry,
 * formats, timezone and any fields deskhub does not know) with the user's name, limits
 * and this listener's address put in, so clients build every stream URL against deskhub.
 * Each number goes out as a number or a string as the provider wrote that field.
 */
export function userLogin(stored: StoredLogin | undefined, who: LoginFor): string {
  const userInfo: Record<string, unknown> = { ...(stored?.user_info ?? {}) };
  const serverInfo: Record<string, unknown> = { ...(stored?.server_info ?? {}) };
  const base = new URL(who.base);
  const protocol = base.protocol === "https:" ? "https" : "http";
  const port = Number(base.port || (protocol === "https" ? 443 : 80));
  Object.assign(userInfo, {
    username: who.username,
    password: who.password,
    message: userInfo.message ?? "",
    auth: like(userInfo.auth, 1, "number"),
    status: userInfo.status ?? "Active",
    exp_date: userInfo.exp_date ?? null,
    is_trial: userInfo.is_trial ?? "0",
    active_cons: like(userInfo.active_cons, who.activeStreams, "number"),
    created_at: userInfo.created_at ?? null,
    max_connections: like(userInfo.max_connections, who.maxStreams, "string"),
    allowed_output_formats: userInfo.allowed_output_formats ?? ["m3u8", "ts"],
  });
  const timezone =
    typeof serverInfo.timezone === "string" && serverInfo.timezone ? serverInfo.timezone : "UTC";
  Object.assign(serverInfo, {
    url: base.hostname.replace(/^\[|\]$/g, ""),
    port: like(serverInfo.port, port, "string"),
    https_port: like(serverInfo.https_port, port, "string"),
    server_protocol: protocol,
    rtmp_port: typeof serverInfo.rtmp_port === "number" ? 0 : "",
    timezone,
    timestamp_now: like(serverInfo.timestamp_now, Math.floor(who.now.getTime() / 1000), "number"),
    time_now: timeIn(timezone, who.now),
  });
  return JSON.stringify({ user_info: userInfo, server_info: serverInfo });
}

export function loginAnswer(proxy: IptvProxy, rc: RequestContext, user: ProxyUser, password: string): string {
  return userLogin(proxy.storedLogin(), {
    username: user.name,
    password,
    maxStreams: user.maxStreams,
    activeStreams: proxy.ledger.userStreams(user.name).length,
    base: rc.base,
    now: new Date(),
  });
}
