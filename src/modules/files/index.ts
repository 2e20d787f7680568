import { defineModule, type Service } from "../../core/module.ts";
import { registerBookmarks } from "./bookmarks/cli.ts";
import { registerRecent } from "./recent/cli.ts";
import { registerStatus } from "./status-command.ts";

const filesModule = defineModule({
  name: "files",
  summary: "recent files ranked by frecency (fre's stores) and buku bookmark databases kept encrypted",
  // Loaded when the config is checked: a command served from the kept config never loads zod.
  config: () => import("./config.ts").then((m) => m.FilesConfig),
  commands(cli, app) {
    registerStatus(cli, app);
    // `deskhub recent ...` and `deskhub bookmarks ...` are top-level, as the old scripts were.
    registerRecent(cli.parent!, app);
    registerBookmarks(cli.parent!, app);
  },
  service(ctx, config) {
    let running: Service | undefined;
    return {
      async start() {
        const { filesService } = await import("./service.ts");
        running = filesService(ctx, config);
        await running.start();
      },
      async stop() {
        await running?.stop();
      },
    };
  },
});

export default filesModule;
