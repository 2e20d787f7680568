import { defineModule, type Service } from "../../core/module.ts";
import { registerBridgeCommands, registerHassCommands } from "./cli/register.ts";

export type { HomeAssistantConfig, Rule, ServiceCall } from "./config.ts";

const homeAssistantModule = defineModule({
  name: "homeassistant",
  summary: "Home Assistant bridge: MQTT discovery of every entity, commands back, service calls and rules",
  // Loaded when the config is checked: a command served from the kept config never loads zod.
  config: () => import("./config.ts").then((m) => m.HomeAssistantConfig),
  env(env) {
    const section: Record<string, unknown> = {};
    if (env.MQTT_BROKER) section.broker = env.MQTT_BROKER;
    if (env.HASS_SERVER) section.server = env.HASS_SERVER;
    return section;
  },
  secrets: [
    {
      name: "mqtt_username",
      description: "user name at the MQTT broker",
      env: ["MQTT_USERNAME", "MQTT_USER"],
    },
    {
      name: "mqtt_password",
      description: "password at the MQTT broker",
      env: ["MQTT_PASSWORD", "MQTT_PASS"],
    },
    {
      name: "hass_token",
      description: "Home Assistant long-lived access token (profile > Security)",
      env: ["HASS_TOKEN"],
    },
  ],
  commands(cli, app) {
    registerBridgeCommands(cli, app);
    registerHassCommands(cli.parent!, app);
  },
  service(ctx, config) {
    let inner: Service | undefined;
    return {
      async start() {
        const { createService } = await import("./service.ts");
        inner = createService(ctx, config);
        await inner.start();
      },
      async stop() {
        await inner?.stop();
      },
    };
  },
});

export default homeAssistantModule;
