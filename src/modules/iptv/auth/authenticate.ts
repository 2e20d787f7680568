import { timingSafeEqual } from "node:crypto";
import { digest, type ProxyUser } from "../settings/settings.ts";

/**
 * Finds the user whose name and password match. Every user is compared, names and
 * passwords by their SHA-256 digests with a constant-time compare, so the time an
 * answer takes says nothing about which part was wrong or how much of it was right.
 */
export function authenticate(
  users: ReadonlyMap<string, ProxyUser>,
  username: string,
  password: string,
): ProxyUser | undefined {
  const name = digest(username);
  const pass = digest(password);
  let found: ProxyUser | undefined;
  for (const user of users.values()) {
    const nameOk = timingSafeEqual(name, digest(user.name));
    const passOk = timingSafeEqual(pass, user.digest);
    if (nameOk && passOk) found = user;
  }
  return found;
}
