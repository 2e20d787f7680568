import { defineModule, type Service } from "../../core/module.ts";
import { registerIptvCommands } from "./cli/commands.ts";
import { iptvEnv } from "./env.ts";

const iptvModule = defineModule({
  name: "iptv",
  summary: "Xtream Codes proxy: the household shares one IPTV subscription, each with their own login",
  // Loaded when the config is checked: a command served from the kept config never loads zod.
  config: () => import("./config.ts").then((m) => m.IptvConfig),
  env: iptvEnv,
  secrets: [
    {
      name: "iptv_upstream_password",
      description: "password of the IPTV provider's main account",
      env: ["UPSTREAM_PASSWORD"],
    },
    {
      name: "iptv_token_key",
      description:
        "key that signs the proxy's stream links; proxies behind one balancer share it (default: generated)",
      env: ["IPTV_TOKEN_KEY"],
    },
  ],
  async readiness(config, ctx) {
    const { configProblems } = await import("./settings/settings.ts");
    if (!config.upstream.server || !config.upstream.username) {
      return {
        ready: false,
        missing: "the IPTV provider",
        how: "set iptv.upstream.server and iptv.upstream.username (or UPSTREAM_SERVER and UPSTREAM_USERNAME)",
      };
    }
    if (!config.upstream.password && !(await ctx.secrets.get("iptv_upstream_password"))) {
      return {
        ready: false,
        missing: "the provider's password",
        how: ctx.secrets.howToSet("iptv_upstream_password"),
      };
    }
    if (Object.keys(config.users).length === 0) {
      return {
        ready: false,
        missing: "proxy users",
        how: "add iptv.users.<name>.password to the config (or PROXY_USER1_USERNAME and PROXY_USER1_PASSWORD)",
      };
    }
    const problems = configProblems(config);
    if (problems.length)
      return { ready: false, missing: "a consistent iptv config", how: problems.join("; ") };
    return { ready: true };
  },
  commands: registerIptvCommands,
  service(ctx, config): Service {
    let running: Awaited<ReturnType<typeof import("./service.ts").startProxy>> | undefined;
    ctx.http.register(async (app) => {
      app.get("/sessions", async () => {
        if (!running) return { running: false };
        const { snapshot } = await import("./sessions-file.ts");
        return {
          running: true,
          ...snapshot(
            running.proxy,
            running.listeners.map((l) => ({
              name: l.name,
              url: l.url,
              profile: config.listeners[l.name]?.profile ?? l.name,
            })),
          ),
        };
      });
    });
    return {
      async start() {
        const { startProxy } = await import("./service.ts");
        running = await startProxy(ctx, config, { health: ctx.health });
      },
      async stop() {
        await running?.stop();
        running = undefined;
      },
    };
  },
});

export default iptvModule;
