import type { Store } from "../../core/store.ts";

export const ENTITY = {
  connection: "homeassistant.connection",
  broker: "homeassistant.broker",
  lastDiscovery: "homeassistant.last_discovery",
  api: "homeassistant.api",
  /** The dashboard's answer to "how do I point Home Assistant at this broker?"; not sent to it. */
  howToConnect: "homeassistant.how_to_connect",
} as const;

/** What the bridge says about itself, for the dashboard and for Home Assistant. */
export function defineOwnEntities(store: Store): void {
  store.define({
    id: ENTITY.connection,
    kind: "binary_sensor",
    name: "MQTT connection",
    deviceClass: "connectivity",
    category: "diagnostic",
  });
  store.define({
    id: ENTITY.broker,
    kind: "sensor",
    name: "MQTT broker",
    icon: "mdi:server-network",
    category: "diagnostic",
  });
  store.define({
    id: ENTITY.lastDiscovery,
    kind: "sensor",
    name: "Last discovery publish",
    deviceClass: "timestamp",
    category: "diagnostic",
  });
  store.define({
    id: ENTITY.api,
    kind: "sensor",
    name: "Home Assistant API",
    icon: "mdi:home-assistant",
    category: "diagnostic",
  });
}

/** Only for the embedded broker: a configured one is where Home Assistant already is. */
export function defineHowToConnect(store: Store, text: string): void {
  store.define({
    id: ENTITY.howToConnect,
    kind: "sensor",
    name: "How to connect Home Assistant",
    icon: "mdi:help-network",
    category: "diagnostic",
  });
  store.set(ENTITY.howToConnect, text);
}

export function howToConnect(options: {
  host: string;
  port: number;
  hostname: string;
  credentials: boolean;
}): string {
  const integration =
    "in Home Assistant open Settings > Devices & services > Add integration > MQTT and enter";
  if (options.host === "127.0.0.1" || options.host === "localhost" || options.host === "::1") {
    return [
      `The embedded broker listens on ${options.host}:${options.port}, which only Home Assistant on this machine can reach;`,
      `${integration} broker 127.0.0.1, port ${options.port}.`,
      "For Home Assistant elsewhere: set the secrets mqtt_username and mqtt_password, set homeassistant.embedded.host: 0.0.0.0,",
      `restart deskhub, then enter broker ${options.hostname}, port ${options.port} and those credentials.`,
      "Or run one broker for the house (the Mosquitto add-on) and set homeassistant.broker to it.",
    ].join(" ");
  }
  return [
    `${integration.charAt(0).toUpperCase()}${integration.slice(1)} broker ${options.hostname}, port ${options.port}`,
    options.credentials
      ? "and the user name and password of the secrets mqtt_username and mqtt_password."
      : "(no credentials are set: anyone on the network can publish; set mqtt_username and mqtt_password).",
  ].join(" ");
}
