import { z } from "zod";
import type { Store } from "../../../../core/store.ts";
import type { AiConfig } from "../config.ts";
import { defineTool, type Tool } from "./types.ts";

/** The homeassistant module's store command for a service call ({ service, target?, data? }). */
const HA_CALL = "homeassistant.call";

function commandsUnder(store: Store, prefix: string) {
  return store
    .commands()
    .filter((c) => c.id.startsWith(`${prefix}.`))
    .sort((a, b) => a.id.localeCompare(b.id));
}

function resultText(value: unknown): string {
  if (value === undefined || value === null) return "done";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * deskhub's own capabilities, reached through the store's commands and entities so this
 * library never imports another module: a Home Assistant service call, the media player,
 * the calendar. Each is offered only when its module has registered what it needs.
 */
export function deskhubTools(store: Store, config: AiConfig): Tool<unknown>[] {
  const hassCommand = () => (store.commands().some((c) => c.id === HA_CALL) ? HA_CALL : undefined);

  const homeAssistant = defineTool({
    name: "home_assistant",
    description: () =>
      "Call a Home Assistant service, e.g. light.turn_off with entity_id light.office, or climate.set_temperature with data {temperature: 21}.",
    args: z.object({
      service: z
        .string()
        .regex(/^[a-z0-9_]+\.[a-z0-9_]+$/, "domain.service, e.g. light.turn_on")
        .describe("domain.service"),
      entity_id: z.union([z.string(), z.array(z.string())]).optional(),
      data: z.record(z.string(), z.unknown()).optional(),
    }),
    available: () => hassCommand() !== undefined,
    prepare({ service, entity_id, data }) {
      const command = hassCommand();
      if (!command)
        return { refused: "the Home Assistant module is not running (enable homeassistant in config)" };
      const domain = service.split(".")[0]!;
      const target = entity_id === undefined ? "" : ` on ${[entity_id].flat().join(", ")}`;
      return {
        summary: `Home Assistant: ${service}${target}`,
        confirm: config.home_assistant.confirm_domains.includes(domain),
        async run() {
          const args = {
            service,
            ...(entity_id === undefined ? {} : { target: { entity_id } }),
            ...(data === undefined ? {} : { data }),
          };
          return resultText(await store.run(command, args, "voice"));
        },
      };
    },
  });

  const player = defineTool({
    name: "player",
    description: () => {
      const list = commandsUnder(store, "media").map((c) => `${c.id.slice("media.".length)} (${c.summary})`);
      return `Control deskhub's media player. Actions: ${list.join("; ") || "none"}.`;
    },
    args: z.object({
      action: z.string().min(1).describe("One of the actions listed, e.g. `pause`"),
      args: z.record(z.string(), z.unknown()).optional(),
    }),
    available: () => commandsUnder(store, "media").length > 0,
    prepare({ action, args }) {
      const id = `media.${action.replace(/^media\./, "")}`;
      const known = commandsUnder(store, "media").map((c) => c.id);
      if (!known.includes(id))
        return { refused: `no player action "${action}"; known: ${known.join(", ") || "none"}` };
      return {
        summary: `player: ${id.slice(6)}${args ? ` ${JSON.stringify(args)}` : ""}`,
        async run() {
          return resultText(await store.run(id, args ?? {}, "voice"));
        },
      };
    },
  });

  const calendar = defineTool({
    name: "calendar",
    description: () => {
      const list = commandsUnder(store, "calendar").map(
        (c) => `${c.id.slice("calendar.".length)} (${c.summary})`,
      );
      return `Read the family calendar. Without an action it returns what the calendar shows now (next event, today). Actions: ${list.join("; ") || "none"}.`;
    },
    args: z.object({
      action: z.string().optional(),
      args: z.record(z.string(), z.unknown()).optional(),
    }),
    available: () =>
      commandsUnder(store, "calendar").length > 0 ||
      store.entities().some((e) => e.id.startsWith("calendar.")),
    prepare({ action, args }) {
      if (!action) {
        return {
          summary: "calendar: read",
          async run() {
            const entities = store.entities().filter((e) => e.id.startsWith("calendar.") && e.state);
            if (entities.length === 0) return "the calendar has nothing to show yet";
            return JSON.stringify(
              entities.map((e) => ({
                id: e.id,
                name: e.name,
                value: e.state?.value,
                ...e.state?.attributes,
              })),
            );
          },
        };
      }
      const id = `calendar.${action.replace(/^calendar\./, "")}`;
      const known = commandsUnder(store, "calendar").map((c) => c.id);
      if (!known.includes(id))
        return { refused: `no calendar action "${action}"; known: ${known.join(", ") || "none"}` };
      return {
        summary: `calendar: ${id.slice(9)}`,
        async run() {
          return resultText(await store.run(id, args ?? {}, "voice"));
        },
      };
    },
  });

  return [homeAssistant, player, calendar] as Tool<unknown>[];
}
