import { ExitCode, UserError } from "../../../core/errors.ts";
import { registerSecret } from "../../../core/redact.ts";

export interface BrokerAddress {
  /** What MQTT.js connects to, without credentials. */
  url: string;
  protocol: "mqtt" | "mqtts" | "ws" | "wss";
  host: string;
  port: number;
  username?: string;
  password?: string;
}

const DEFAULT_PORTS = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 } as const;
const ALIASES: Record<string, BrokerAddress["protocol"]> = {
  mqtt: "mqtt",
  tcp: "mqtt",
  mqtts: "mqtts",
  ssl: "mqtts",
  tls: "mqtts",
  ws: "ws",
  wss: "wss",
};

function invalid(text: string, why: string): UserError {
  return new UserError(`homeassistant.broker "${text}" is not a broker address: ${why}`, {
    code: ExitCode.config,
    hint: "write a host (port 1883), host:port, or a URL such as mqtt://broker.lan:1883 or mqtts://broker.lan:8883",
  });
}

/**
 * Reads the broker the way the old scripts' MQTT_BROKER had it (a bare host), as
 * `host:port`, or as a URL with a scheme; credentials in the URL are accepted and
 * treated as secrets.
 */
export function parseBroker(text: string): BrokerAddress {
  const trimmed = text.trim();
  if (!trimmed) throw invalid(text, "it is empty");
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `mqtt://${trimmed}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw invalid(text, "it cannot be read as host, host:port or URL");
  }
  const protocol = ALIASES[parsed.protocol.replace(/:$/, "").toLowerCase()];
  if (!protocol)
    throw invalid(text, `the scheme ${parsed.protocol} is not an MQTT one (mqtt, mqtts, ws, wss)`);
  if (!parsed.hostname) throw invalid(text, "it has no host");
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[protocol];
  const path = protocol === "ws" || protocol === "wss" ? parsed.pathname : "";
  if (!(protocol === "ws" || protocol === "wss") && parsed.pathname && parsed.pathname !== "/") {
    throw invalid(text, `an MQTT broker address has no path (${parsed.pathname})`);
  }
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  registerSecret(password);
  return {
    url: `${protocol}://${parsed.hostname}:${port}${path}`,
    protocol,
    host: parsed.hostname,
    port,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
  };
}
