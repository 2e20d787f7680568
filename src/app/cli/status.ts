import type { Command } from "commander";
import { DaemonClient } from "../../core/control/client.ts";
import { isUserError } from "../../core/errors.ts";
import { resolvePaths } from "../../core/paths.ts";
import type { ModuleHealth } from "../daemon/supervisor.ts";
import type { EntityView } from "../daemon/views.ts";
import { output } from "./output.ts";
import type { CliSession } from "./session.ts";

interface Status {
  pid: number;
  version: string;
  hostname: string;
  startedAt: number;
  dashboard: string;
  modules: ModuleHealth[];
}

function show(value: EntityView["value"], unit?: string): string {
  if (value === true) return "on";
  if (value === false) return "off";
  if (value === null) return "-";
  return `${value}${unit ? ` ${unit}` : ""}`;
}

export function registerStatus(program: Command, session: CliSession): void {
  program
    .command("status")
    .description("daemon health, every module and every entity")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExits 69 when the daemon is not running.\nExample:\n  deskhub status --json | jq '.entities[] | {id, value}'",
    )
    .action(async (options: { json?: boolean }) => {
      let client: DaemonClient;
      try {
        client = await DaemonClient.connect(resolvePaths(session.env));
      } catch (error) {
        if (options.json && isUserError(error)) {
          output.json({ running: false, error: error.message, hint: error.hint });
          process.exitCode = error.code;
          return;
        }
        throw error;
      }
      try {
        const status = await client.call<Status>("status");
        const entities = await client.call<EntityView[]>("entities");
        if (options.json) {
          output.json({ running: true, ...status, entities });
          return;
        }
        output.line(
          `deskhub ${status.version} on ${status.hostname}, pid ${status.pid}, up since ${new Date(status.startedAt).toLocaleString()}`,
        );
        output.line(`dashboard: ${status.dashboard}`);
        output.line("");
        output.table(
          status.modules.map((m) => [
            m.module,
            m.state,
            [m.message, m.how && `how: ${m.how}`].filter(Boolean).join("; "),
          ]),
        );
        output.line("");
        output.table(
          entities.filter((e) => !e.id.endsWith(".health")).map((e) => [e.id, show(e.value, e.unit)]),
        );
      } finally {
        client.close();
      }
    });
}
