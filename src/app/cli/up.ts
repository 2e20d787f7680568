import type { Command } from "commander";
import type { CliSession } from "./session.ts";

export function registerUp(program: Command, session: CliSession): void {
  program
    .command("up")
    .description("run the daemon: module services, dashboard, control socket, status files")
    .addHelpText(
      "after",
      "\nRuns in the foreground and logs to stderr and $XDG_STATE_HOME/deskhub/logs/.\nExample:\n  deskhub up\n  deskhub systemd install   # run it as a systemd user service instead",
    )
    .action(async () => {
      const { STOP_DEADLINE_MS, startDaemon } = await import("../daemon/daemon.ts");
      const daemon = await startDaemon({
        env: session.env,
        modules: await session.modules(),
        configFile: session.configFile,
      });
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = () => {
          if (stopping) return;
          stopping = true;
          // A service that hangs on stop must not keep the daemon past its deadline.
          setTimeout(() => process.exit(0), STOP_DEADLINE_MS).unref();
          daemon.stop().then(resolve, resolve);
        };
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
      });
    });
}
