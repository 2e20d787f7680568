import type { Command } from "commander";
import type { CliApp } from "../../core/module.ts";
import type { FilesConfig } from "./config.ts";

export function registerStatus(cli: Command, app: CliApp<FilesConfig>): void {
  cli
    .command("status")
    .description("the recent-file lists and bookmark databases deskhub sees")
    .option("--json", "machine-readable output")
    .addHelpText("after", "\nExample:\n  deskhub files status --json")
    .action(async (opts: { json?: boolean }) => (await import("./status.ts")).status(app, opts));
}
