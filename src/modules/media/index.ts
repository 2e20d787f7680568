import { defineModule, type Service } from "../../core/module.ts";
import { registerMediaCommands } from "./cli/register.ts";

export type { MediaConfig } from "./config.ts";

const mediaModule = defineModule({
  name: "media",
  summary: "Jellyfin and YouTube from a launcher menu, played in one mpv that reports back to Jellyfin",
  // Loaded when the config is checked: a command served from the kept config never loads zod.
  config: () => import("./config.ts").then((m) => m.MediaConfig),
  env(env) {
    return env.JELLYFIN_URL ? { jellyfin: { url: env.JELLYFIN_URL } } : undefined;
  },
  secrets: [
    {
      name: "jellyfin_api_key",
      description: "Jellyfin API key (Dashboard > API Keys); or log in with `deskhub media jellyfin login`",
      env: ["JELLYFIN_API_KEY"],
    },
    {
      name: "jellyfin_password",
      description: "password for `deskhub media jellyfin login` without a prompt",
      env: ["JELLYFIN_PASSWORD"],
    },
  ],
  async readiness(config, ctx) {
    if (!config.jellyfin.url) {
      return {
        ready: false,
        missing: "Jellyfin server",
        how: "set media.jellyfin.url (or JELLYFIN_URL); YouTube works without it",
      };
    }
    const { loginFile } = await import("./jellyfin/auth.ts");
    const { existsSync } = await import("node:fs");
    if (!(await ctx.secrets.get("jellyfin_api_key")) && !existsSync(loginFile(ctx))) {
      return {
        ready: false,
        missing: "Jellyfin credentials",
        how: "set JELLYFIN_API_KEY, or run `deskhub media jellyfin login`",
      };
    }
    return { ready: true };
  },
  commands(cli, app) {
    registerMediaCommands(cli, app);
  },
  service(ctx, config) {
    let inner: Service | undefined;
    return {
      async start() {
        const { createService } = await import("./service.ts");
        inner = createService(ctx, config);
        await inner.start();
      },
      async stop() {
        await inner?.stop();
      },
    };
  },
});

export default mediaModule;
