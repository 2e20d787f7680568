import type { Command } from "commander";
import type { CliApp } from "../../../core/module.ts";
import type { PresenceConfig } from "../config.ts";

type App = CliApp<PresenceConfig>;

const actions = () => import("./actions.ts");

/** `deskhub presence status|override|idle|active|lock`. */
export function registerPresenceCommands(cli: Command, app: App): void {
  cli
    .command("status")
    .description(
      "look at every presence signal now: idle, webcam, microphone, lock, network, monitors, system",
    )
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nWorks without the daemon; each signal names the backend that answered and why others did not.\nExamples:\n  deskhub presence status\n  deskhub presence status --json | jq .idle",
    )
    .action(async (options: { json?: boolean }) => (await actions()).statusAction(app, options));
  cli
    .command("override")
    .description("force in-office on or off, or give it back to the rule (auto); kept across restarts")
    .argument("<mode>", "auto, on or off")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  deskhub presence override on\n  deskhub presence override auto")
    .action(async (mode: string, options: { json?: boolean }) =>
      (await actions()).overrideAction(app, mode, options),
    );
  cli
    .command("idle")
    .description(
      "tell the daemon the user went idle (for hypridle's on-timeout or another idle daemon's hook)",
    )
    .option(
      "--for <duration>",
      "how long the user has been idle already, e.g. 5m (the idle daemon's timeout)",
    )
    .addHelpText(
      "after",
      "\nIn ~/.config/hypr/hypridle.conf:\n  listener {\n    timeout = 300\n    on-timeout = deskhub presence idle --for 300\n    on-resume = deskhub presence active\n  }\nExample:\n  deskhub presence idle --for 5m",
    )
    .action(async (options: { for?: string }) => (await actions()).hookAction(app, "idle", options.for));
  cli
    .command("active")
    .description("tell the daemon the user is back (for hypridle's on-resume)")
    .addHelpText("after", "\nExample:\n  deskhub presence active")
    .action(async () => (await actions()).hookAction(app, "active", undefined));
  cli
    .command("lock")
    .description(
      "lock the screen (presence.actions.lock_command, else loginctl, the ScreenSaver interface, xdg-screensaver)",
    )
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub presence lock")
    .action(async (options: { json?: boolean }) => (await actions()).lockAction(app, options));
}
