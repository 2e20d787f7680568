import type { Command } from "commander";
import { DaemonClient } from "../../core/control/client.ts";
import { resolvePaths } from "../../core/paths.ts";
import { scrub } from "../../core/redact.ts";
import type { EntityView } from "../daemon/views.ts";
import { formatValue } from "../sinks/status-files.ts";
import type { CliSession } from "./session.ts";

const RETRY_MS = 5_000;

/** One waybar custom-module line: text, tooltip, and a CSS class from the first entity's value. */
export function waybarLine(ids: readonly string[], entities: ReadonlyMap<string, EntityView>): string {
  const shown = ids.map((id) => entities.get(id));
  const text = shown
    .map((e, i) => (e ? `${formatValue(e.value)}${e.unit ? ` ${e.unit}` : ""}` : `${ids[i]}?`))
    .join("  ");
  const tooltip = shown
    .map((e, i) => (e ? `${e.name}: ${formatValue(e.value)}` : `${ids[i]}: no such entity`))
    .join("\n");
  const first = shown[0];
  const cls = first
    ? formatValue(first.value)
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, "-")
    : "missing";
  return scrub(JSON.stringify({ text, tooltip, class: cls, alt: cls }));
}

export function registerWaybar(program: Command, session: CliSession): void {
  program
    .command("waybar <entity...>")
    .description("stream waybar custom-module JSON lines, one on every change of the entities")
    .addHelpText(
      "after",
      '\nExample, in ~/.config/waybar/config:\n  "custom/voice": { "exec": "deskhub waybar voice.status", "return-type": "json" }\nWhile the daemon is down it prints an "offline" line and reconnects.',
    )
    .action(async (ids: string[]) => {
      const paths = resolvePaths(session.env);
      const print = (line: string) => process.stdout.write(`${line}\n`);
      for (;;) {
        let client: DaemonClient | undefined;
        try {
          client = await DaemonClient.connect(paths);
          const entities = new Map<string, EntityView>();
          const c = client;
          c.onEvent((event) => {
            const entity = event.data as EntityView;
            entities.set(entity.id, entity);
            print(waybarLine(ids, entities));
          });
          for (const entity of await c.call<EntityView[]>("subscribe", { entities: ids }))
            entities.set(entity.id, entity);
          print(waybarLine(ids, entities));
          await c.closed;
        } catch {
          // The daemon is not up (yet); say so in the bar and try again.
        }
        client?.close();
        print(
          JSON.stringify({
            text: "deskhub off",
            tooltip: "the deskhub daemon is not running",
            class: "offline",
            alt: "offline",
          }),
        );
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    });
}
