import type { Service } from "../../core/module.ts";
import { defineModule } from "../../core/module.ts";
import { registerVoiceCli } from "./cli.ts";
import { VOICE_SECRETS } from "./secrets.ts";

/**
 * Push-to-talk dictation. This file is loaded by every `deskhub` command (a key bind
 * runs `deskhub voice start` on each press), so it imports only the config schema and
 * the command table; everything else loads when a command or the service runs.
 */
const voiceModule = defineModule({
  name: "voice",
  summary: "Push-to-talk dictation and an AI assistant that answers out loud",
  // Loaded when the config is checked: a command served from the kept config never loads zod.
  config: () => import("./config.ts").then((m) => m.VoiceConfig),
  env(env) {
    return env.OPENAI_BASE_URL ? { openai: { base_url: env.OPENAI_BASE_URL } } : undefined;
  },
  secrets: VOICE_SECRETS,
  async readiness(config, ctx) {
    const { voiceReadiness } = await import("./readiness.ts");
    return voiceReadiness(config, ctx);
  },
  commands: registerVoiceCli,
  service(ctx, config): Service {
    // The page is mounted now: the dashboard listens before services start.
    ctx.http.register(async (app) => {
      const { voiceRoutes } = await import("./page/routes.ts");
      await app.register(voiceRoutes());
    });
    let inner: Service | undefined;
    return {
      async start() {
        const { voiceService } = await import("./service.ts");
        inner = voiceService(ctx, config);
        await inner.start();
      },
      async stop() {
        await inner?.stop();
      },
    };
  },
});

export default voiceModule;
