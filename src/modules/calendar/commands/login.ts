import { spawn } from "node:child_process";
import { writeFileAtomic } from "../../../core/atomic.ts";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { expandHome } from "../../../core/paths.ts";
import { which } from "../../../core/proc.ts";
import { loginWithBrowser } from "../google/login.ts";
import type { App } from "./register.ts";

/** Where `login` keeps the refresh token: the first key file the secret's spec names. */
export const REFRESH_TOKEN_FILE = "~/.config/deskhub/google_refresh_token";

export async function loginCommand(app: App, opts: { browser: boolean }): Promise<void> {
  const { ctx, config } = await app.load();
  if (config.google.auth !== "oauth") {
    throw new UserError("calendar.google.auth is service_account: there is nothing to log in to", {
      code: ExitCode.usage,
      hint: "a service account uses its JSON key (the secret google_service_account_key)",
    });
  }
  if (!config.google.client_id) {
    throw new UserError("calendar.google.client_id is not set", {
      code: ExitCode.config,
      hint: 'create an OAuth client of type "Desktop app" in the Google Cloud console (APIs & Services, Credentials), enable the Calendar API, put the client id in calendar.google.client_id and its secret in the secret google_client_secret',
    });
  }
  const clientSecret = await ctx.secrets.require("google_client_secret");
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once("SIGINT", cancel);
  try {
    const { refreshToken } = await loginWithBrowser({
      clientId: config.google.client_id,
      clientSecret,
      authUrl: config.google.auth_url,
      tokenUrl: config.google.token_url,
      signal: controller.signal,
      onUrl: (url) => {
        process.stderr.write(
          `Open this address in a browser and allow deskhub to manage calendar events:\n\n  ${url}\n\n`,
        );
        if (opts.browser) void openBrowser(url, ctx.env);
      },
    });
    const path = expandHome(REFRESH_TOKEN_FILE, ctx.paths);
    await writeFileAtomic(path, `${refreshToken}\n`, { mode: 0o600 });
    app.output.line(
      `authorised; the refresh token is in ${path} (mode 600). \`deskhub calendar sync\` can run now.`,
    );
  } finally {
    process.off("SIGINT", cancel);
  }
}

async function openBrowser(url: string, env: NodeJS.ProcessEnv): Promise<void> {
  const opener = (await which("xdg-open", env)) ?? (await which("sensible-browser", env));
  if (!opener || !(env.DISPLAY || env.WAYLAND_DISPLAY)) return;
  spawn(opener, [url], { env, stdio: "ignore", detached: true })
    .on("error", () => undefined)
    .unref();
}
