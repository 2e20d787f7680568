import { text } from "node:stream/consumers";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { forgetLogin, storeLogin } from "../jellyfin/auth.ts";
import { JellyfinClient } from "../jellyfin/client.ts";
import { loginWithPassword, loginWithQuickConnect } from "../jellyfin/login.ts";
import { newerThanSdk } from "../jellyfin/version.ts";
import { type App, note } from "./common.ts";

async function askPassword(user: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new UserError("no password given", {
      code: ExitCode.usage,
      hint: "pass it on stdin with --password-stdin, set JELLYFIN_PASSWORD, or use --quick-connect",
    });
  }
  const { password, isCancel } = await import("@clack/prompts");
  const answer = await password({ message: `Jellyfin password for ${user}` });
  if (isCancel(answer)) throw new UserError("login cancelled", { code: ExitCode.usage });
  return answer;
}

export async function loginAction(
  app: App,
  options: { user?: string; passwordStdin?: boolean; quickConnect?: boolean },
): Promise<void> {
  const { ctx, config } = await app.load();
  const url = config.jellyfin.url.replace(/\/+$/, "");
  if (!url) {
    throw new UserError("Jellyfin is not configured", {
      code: ExitCode.config,
      hint: "set media.jellyfin.url, or JELLYFIN_URL",
    });
  }
  const timeoutMs = config.jellyfin.timeout * 1000;
  const api = await JellyfinClient.api(url, undefined, ctx.nodeId, ctx.hostname);
  const server = await JellyfinClient.publicInfo(api, timeoutMs);
  let login: Awaited<ReturnType<typeof loginWithPassword>>;
  if (options.quickConnect) {
    login = await loginWithQuickConnect(api, {
      timeoutMs,
      onCode: (code) =>
        note(
          `Quick Connect code: ${code}\n  enter it in a signed-in Jellyfin app (Settings > Quick Connect) within 5 minutes`,
        ),
    });
  } else {
    const user = options.user ?? config.jellyfin.user;
    if (!user)
      throw new UserError("which user?", {
        code: ExitCode.usage,
        hint: "pass --user NAME or set media.jellyfin.user",
      });
    const password = options.passwordStdin
      ? (await text(process.stdin)).replace(/\r?\n$/, "")
      : ((await ctx.secrets.get("jellyfin_password")) ?? (await askPassword(user)));
    login = await loginWithPassword(api, user, password, timeoutMs);
  }
  const file = await storeLogin(ctx, { serverUrl: url, ...login });
  app.output.line(
    `Logged in to ${server.name || url} (Jellyfin ${server.version}) as ${login.userName}; token saved in ${file}`,
  );
  if (server.support === "newer") note(`note: ${newerThanSdk(server.version)}`);
  if (await ctx.secrets.get("jellyfin_api_key"))
    note("note: JELLYFIN_API_KEY is set and wins over this login until it is unset");
}

export async function logoutAction(app: App): Promise<void> {
  const { ctx } = await app.load();
  await forgetLogin(ctx);
  app.output.line("Jellyfin login forgotten");
}
