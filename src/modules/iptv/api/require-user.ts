import type { IptvProxy } from "../proxy.ts";
import type { RequestContext } from "../server/context.ts";
import { HttpError } from "../server/respond.ts";
import type { ProxyUser } from "../settings/settings.ts";

/** The signed-in user, or a 401 in the form the endpoint speaks (Xtream JSON or text). */
export async function requireUser(
  proxy: IptvProxy,
  rc: RequestContext,
  username: string | null,
  password: string | null,
  json: boolean,
): Promise<ProxyUser> {
  const user = await proxy.authenticate(rc, username, password);
  if (user) return user;
  const message =
    username && password ? "invalid username or password" : "username and password are required";
  throw new HttpError(
    401,
    message,
    json ? { body: { user_info: { auth: 0, status: "Disabled", message } } } : {},
  );
}
