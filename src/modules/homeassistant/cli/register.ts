import type { Command } from "commander";
import type { CliApp } from "../../../core/module.ts";
import type { HomeAssistantConfig } from "../config.ts";

type App = CliApp<HomeAssistantConfig>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `deskhub homeassistant status|discovery|republish`: the MQTT bridge in the daemon. */
export function registerBridgeCommands(cli: Command, app: App): void {
  cli
    .command("status")
    .description("broker connection, last discovery publish, Home Assistant API and rules")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nAsks the running daemon; without one, shows what the config would do and exits 69.\nExample:\n  deskhub homeassistant status --json",
    )
    .action(async (options: { json?: boolean }) =>
      (await import("./bridge-actions.ts")).statusAction(app, options),
    );
  cli
    .command("discovery")
    .description(
      "show the discovery message published to Home Assistant (homeassistant/device/<node>/config)",
    )
    .option("--json", "print JSON: topic, retain and payload")
    .addHelpText("after", "\nExample:\n  deskhub homeassistant discovery --json | jq '.payload.cmps | keys'")
    .action(async (options: { json?: boolean }) =>
      (await import("./bridge-actions.ts")).discoveryAction(app, options),
    );
  cli
    .command("republish")
    .description("publish discovery, availability and every state again")
    .addHelpText("after", "\nExample:\n  deskhub homeassistant republish")
    .action(async () => (await import("./bridge-actions.ts")).republishAction(app));
}

/** `deskhub hass ...`: Home Assistant's REST API from the shell, replacing hass-cli. */
export function registerHassCommands(program: Command, app: App): void {
  const hass = program
    .command("hass")
    .description(
      "call Home Assistant services and read its states (needs homeassistant.server and HASS_TOKEN)",
    );
  hass
    .command("call")
    .description("call a service, e.g. light.turn_off, with a target and key=value data")
    .argument("<service>", "domain.service, e.g. light.turn_on")
    .argument("[data...]", "service data as key=value; values are read as YAML (numbers, lists, true/false)")
    .option("-t, --target <entity_ids>", "entity ids, comma-separated or repeated", collect)
    .option("--area <area_ids>", "area ids", collect)
    .option("--device <device_ids>", "device ids", collect)
    .option("--floor <floor_ids>", "floor ids", collect)
    .option("--label <label_ids>", "label ids", collect)
    .option("--response", "ask for the service's response data")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  deskhub hass call light.turn_off --target light.office\n  deskhub hass call light.turn_on --target light.office brightness_pct=40 rgb_color=[255,120,0]\n  deskhub hass call scene.turn_on --target scene.office --json",
    )
    .action(async (service: string, data: string[], options) =>
      (await import("./hass-actions.ts")).callAction(app, service, data, options),
    );
  hass
    .command("state")
    .description("one entity's state and attributes")
    .argument("<entity_id>", "e.g. light.office")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub hass state light.office --json | jq .attributes.brightness")
    .action(async (entityId: string, options: { json?: boolean }) =>
      (await import("./hass-actions.ts")).stateAction(app, entityId, options),
    );
  hass
    .command("entities")
    .description("every entity Home Assistant has, with its state")
    .option("-d, --domain <domain>", "only this domain, e.g. light")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub hass entities --domain light")
    .action(async (options: { domain?: string; json?: boolean }) =>
      (await import("./hass-actions.ts")).entitiesAction(app, options),
    );
  hass
    .command("services")
    .description("the services Home Assistant offers")
    .option("-d, --domain <domain>", "only this domain, e.g. light")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub hass services --domain scene")
    .action(async (options: { domain?: string; json?: boolean }) =>
      (await import("./hass-actions.ts")).servicesAction(app, options),
    );
}
