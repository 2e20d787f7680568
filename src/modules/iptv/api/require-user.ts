import type { IptvProxy } from "../proxy.ts";
import type { RequestContext } from "../server/context.ts";
import { HttpError } from "../server/respond.ts";
import type { ProxyUser } from "../settings/settings.ts";

/**
 * The signed-in user, or a 401 (a 429 for an address refused after too many failures)
 * in the form the endpoint speaks (Xtream JSON or text).
 */
export async function requireUser(
  proxy: IptvProxy,
  rc: RequestContext,
  username: string | null,
  password: string | null,
  json: boolean,
): Promise<ProxyUser> {
  const { user, retryAfterS } = await proxy.authenticate(rc, username, password);
  if (user) return user;
  const refused = retryAfterS !== undefined;
  const message = refused
    ? `too many failed logins from this address; wait ${retryAfterS} s, then try again with the right password`
    : username && password
      ? "invalid username or password"
      : "username and password are required";
  throw new HttpError(refused ? 429 : 401, message, {
    ...(refused ? { headers: { "retry-after": String(retryAfterS) } } : {}),
    ...(json ? { body: { user_info: { auth: 0, status: "Disabled", message } } } : {}),
  });
}
