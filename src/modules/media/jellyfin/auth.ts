import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../../../core/atomic.ts";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { ModuleContext } from "../../../core/module.ts";
import { registerSecret } from "../../../core/redact.ts";
import { readKeyFile } from "../../../core/secrets/keyfile.ts";

/**
 * How deskhub signs in to Jellyfin: an API key (JELLYFIN_API_KEY, from the dashboard's
 * API Keys page) browses as a named user, or a user login (password or Quick Connect)
 * whose access token is kept in a mode-600 file under the data dir.
 */
export type Credentials =
  | { kind: "api_key"; token: string }
  | { kind: "login"; token: string; userId: string; userName: string; serverUrl: string };

const StoredLogin = z.object({
  server_url: z.string(),
  user_id: z.string(),
  user_name: z.string(),
  token: z.string().min(1),
});

export function loginFile(ctx: Pick<ModuleContext, "paths">): string {
  return join(ctx.paths.dataDir, "secrets", "jellyfin_login.json");
}

/** A stable id per host: Jellyfin ties each login to a device, and shows it under Devices. */
export function deviceId(nodeId: string): string {
  return createHash("sha256").update(`deskhub:${nodeId}`).digest("hex").slice(0, 32);
}

export async function readStoredLogin(ctx: Pick<ModuleContext, "paths">): Promise<Credentials | undefined> {
  const path = loginFile(ctx);
  const text = await readKeyFile(path);
  if (!text) return undefined;
  let parsed: z.output<typeof StoredLogin>;
  try {
    parsed = StoredLogin.parse(JSON.parse(text));
  } catch {
    throw new UserError(`the saved Jellyfin login in ${path} is damaged`, {
      code: ExitCode.dataErr,
      hint: "log in again with `deskhub media jellyfin login` (it replaces the file)",
    });
  }
  registerSecret(parsed.token);
  return {
    kind: "login",
    token: parsed.token,
    userId: parsed.user_id,
    userName: parsed.user_name,
    serverUrl: parsed.server_url,
  };
}

export async function storeLogin(
  ctx: Pick<ModuleContext, "paths">,
  login: { serverUrl: string; userId: string; userName: string; token: string },
): Promise<string> {
  registerSecret(login.token);
  const path = loginFile(ctx);
  const body = JSON.stringify({
    server_url: login.serverUrl,
    user_id: login.userId,
    user_name: login.userName,
    token: login.token,
  });
  await writeFileAtomic(path, `${body}\n`, { mode: 0o600 });
  return path;
}

export async function forgetLogin(ctx: Pick<ModuleContext, "paths">): Promise<void> {
  await rm(loginFile(ctx), { force: true });
}

/** The API key wins (it is what the old scripts used); else a saved login for this server. */
export async function resolveCredentials(
  ctx: Pick<ModuleContext, "paths" | "secrets">,
  serverUrl: string,
): Promise<Credentials> {
  const apiKey = await ctx.secrets.get("jellyfin_api_key");
  if (apiKey) return { kind: "api_key", token: apiKey };
  const login = await readStoredLogin(ctx);
  if (login?.kind === "login" && sameServer(login.serverUrl, serverUrl)) return login;
  throw new UserError("no Jellyfin credentials", {
    code: ExitCode.config,
    hint: login
      ? `the saved login is for ${login.kind === "login" ? login.serverUrl : "another server"}; log in again with \`deskhub media jellyfin login\``
      : "set JELLYFIN_API_KEY (Dashboard > API Keys), or log in with `deskhub media jellyfin login` (password or --quick-connect)",
  });
}

export function sameServer(a: string, b: string): boolean {
  return a.replace(/\/+$/, "").toLowerCase() === b.replace(/\/+$/, "").toLowerCase();
}
