/**
 * The old proxy scripts' environment: UPSTREAM_SERVER / UPSTREAM_USERNAME for the main
 * account (its password is the `iptv_upstream_password` secret, UPSTREAM_PASSWORD) and
 * PROXY_USER{N}_USERNAME / _PASSWORD / _STREAM_USER / _STREAM_PASS for each person.
 * Users are keyed by name, so a file that sets alice's profile and an environment that
 * sets her password merge into one user.
 */
export function iptvEnv(env: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const upstream: Record<string, string> = {};
  if (env.UPSTREAM_SERVER) upstream.server = env.UPSTREAM_SERVER;
  if (env.UPSTREAM_USERNAME) upstream.username = env.UPSTREAM_USERNAME;
  if (Object.keys(upstream).length) out.upstream = upstream;

  const numbers = Object.keys(env)
    .map((key) => /^PROXY_USER(\d+)_USERNAME$/.exec(key)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort((a, b) => Number(a) - Number(b));
  const users: Record<string, Record<string, string>> = {};
  for (const n of numbers) {
    const name = env[`PROXY_USER${n}_USERNAME`];
    if (!name) continue;
    const user: Record<string, string> = {};
    const fields = { password: "PASSWORD", stream_username: "STREAM_USER", stream_password: "STREAM_PASS" };
    for (const [key, suffix] of Object.entries(fields)) {
      const value = env[`PROXY_USER${n}_${suffix}`];
      if (value) user[key] = value;
    }
    users[name] = user;
  }
  if (Object.keys(users).length) out.users = users;
  return Object.keys(out).length ? out : undefined;
}
