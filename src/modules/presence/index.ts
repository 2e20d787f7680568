import { defineModule, type Service } from "../../core/module.ts";
import { registerPresenceCommands } from "./cli/register.ts";

export type { Override, PresenceConfig, Signal } from "./config.ts";
export { COMMAND as PRESENCE_COMMANDS, ID as PRESENCE_ENTITIES } from "./entities.ts";

const presenceModule = defineModule({
  name: "presence",
  summary: "What the desktop knows: idle, webcam, microphone, in office, lock, sleep and system sensors",
  // Loaded when the config is checked: a command served from the kept config never loads zod.
  config: () => import("./config.ts").then((m) => m.PresenceConfig),
  commands(cli, app) {
    registerPresenceCommands(cli, app);
  },
  service(ctx, config) {
    let inner: Service | undefined;
    return {
      async start() {
        const { PresenceService } = await import("./service.ts");
        inner = new PresenceService(ctx, config);
        await inner.start();
      },
      async stop() {
        await inner?.stop();
      },
    };
  },
});

export default presenceModule;
