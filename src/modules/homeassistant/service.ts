import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { IClientOptions } from "mqtt";
import { z } from "zod";
import { isUserError } from "../../core/errors.ts";
import type { Service, ServiceContext } from "../../core/module.ts";
import { packageInfo } from "../../core/package-info.ts";
import { expandHome } from "../../core/paths.ts";
import { type HomeAssistantConfig, namedCommands, ServiceCall } from "./config.ts";
import { Exposure } from "./discovery/exposure.ts";
import { HassLink, type LinkState } from "./hass/link.ts";
import { HassRest } from "./hass/rest.ts";
import { MqttBridge } from "./mqtt/bridge.ts";
import { parseBroker } from "./mqtt/broker-url.ts";
import { type EmbeddedBroker, startEmbeddedBroker } from "./mqtt/embedded-broker.ts";
import { makeTopics } from "./mqtt/topics.ts";
import { registerNamedCommands } from "./named-commands.ts";
import { defineHowToConnect, defineOwnEntities, ENTITY, howToConnect } from "./own-entities.ts";
import { systemClock } from "./rules/clock.ts";
import { RuleEngine, ruleEntityId } from "./rules/engine.ts";

/** Commands that make sense from the CLI and dashboard but must not be reachable over MQTT. */
export const LOCAL_COMMANDS = new Set([
  "homeassistant.status",
  "homeassistant.discovery",
  "homeassistant.call",
  "homeassistant.flush",
  // hypridle's on-timeout/on-resume hook reports the desktop's own idleness; HA sees presence.idle.
  "presence.idle_hook",
]);

export interface BridgeStatus {
  broker: {
    kind: "embedded" | "configured";
    url: string;
    connected: boolean;
    detail?: string;
    how_to_connect?: string;
  };
  node_id: string;
  discovery_topic: string;
  base_topic: string;
  last_discovery: { at: string; reason: string; components: number } | null;
  home_assistant: { server?: string; state: LinkState | "not_configured"; detail?: string };
  rules: Array<{ name: string; last_fired: unknown; status: unknown }>;
}

async function tlsOptions(config: HomeAssistantConfig, ctx: ServiceContext): Promise<IClientOptions> {
  const options: IClientOptions = {};
  if (config.tls.ca_file) options.ca = await readFile(expandHome(config.tls.ca_file, ctx.paths));
  if (config.tls.insecure) options.rejectUnauthorized = false;
  return options;
}

/**
 * The homeassistant module inside the daemon: the embedded broker when none is
 * configured, the MQTT bridge, allow-listed commands, the Home Assistant API link and
 * the rules.
 */
export function createService(ctx: ServiceContext, config: HomeAssistantConfig): Service {
  const { store, log } = ctx;
  const problems = new Map<string, string>();
  let embedded: EmbeddedBroker | undefined;
  let bridge: MqttBridge | undefined;
  let link: HassLink | undefined;
  let rules: RuleEngine | undefined;
  const nodeId = config.node_id ?? ctx.nodeId;
  const topics = makeTopics({
    baseTopic: config.base_topic,
    discoveryPrefix: config.discovery_prefix,
    statusTopic: config.status_topic,
    nodeId,
  });

  function problem(source: string, message: string | undefined): void {
    if (message) problems.set(source, message);
    else problems.delete(source);
    ctx.health(problems.size ? "degraded" : "ok", [...problems.values()].join("; ") || undefined);
  }

  function status(): BridgeStatus {
    const broker = store.get(ENTITY.broker)?.state;
    const connection = store.get(ENTITY.connection)?.state;
    const api = store.get(ENTITY.api)?.state;
    const how = store.value(ENTITY.howToConnect);
    const last = bridge?.lastDiscovery;
    return {
      broker: {
        kind: broker?.value === "embedded" ? "embedded" : "configured",
        url: String(broker?.attributes.url ?? ""),
        connected: bridge?.connected ?? false,
        ...(connection?.attributes.detail ? { detail: String(connection.attributes.detail) } : {}),
        ...(typeof how === "string" ? { how_to_connect: how } : {}),
      },
      node_id: nodeId,
      discovery_topic: topics.discovery,
      base_topic: topics.base,
      last_discovery: last
        ? { at: new Date(last.at).toISOString(), reason: last.reason, components: last.components }
        : null,
      home_assistant: {
        ...(config.server ? { server: config.server } : {}),
        state: (api?.value as LinkState | "not_configured" | undefined) ?? "not_configured",
        ...(api?.attributes.detail ? { detail: String(api.attributes.detail) } : {}),
      },
      rules: config.rules.map((rule) => {
        const state = store.get(ruleEntityId(rule))?.state;
        return {
          name: rule.name,
          last_fired: state?.value ?? null,
          status: state?.attributes.status ?? null,
        };
      }),
    };
  }

  async function startBridge(): Promise<void> {
    const username = await ctx.secrets.get("mqtt_username");
    const password = await ctx.secrets.get("mqtt_password");
    let url: string;
    const clientOptions: IClientOptions = config.client_id ? { clientId: config.client_id } : {};
    if (config.broker) {
      const address = parseBroker(config.broker);
      url = address.url;
      Object.assign(clientOptions, await tlsOptions(config, ctx));
      const user = address.username ?? username;
      const pass = address.password ?? password;
      if (user) clientOptions.username = user;
      if (pass) clientOptions.password = pass;
      store.set(ENTITY.broker, "configured", { url, node_id: nodeId, discovery_topic: topics.discovery });
    } else {
      embedded = await startEmbeddedBroker({ ...config.embedded, username, password, log }).catch(
        (error: unknown) => {
          // The daemon shows a failed service's message only; the advice has to be in it.
          throw isUserError(error) && error.hint ? new Error(`${error.message}; ${error.hint}`) : error;
        },
      );
      url = embedded.url;
      if (username) clientOptions.username = username;
      if (password) clientOptions.password = password;
      store.set(ENTITY.broker, "embedded", {
        url,
        listen: `${embedded.host}:${embedded.port}`,
        node_id: nodeId,
        discovery_topic: topics.discovery,
      });
      defineHowToConnect(
        store,
        howToConnect({
          host: embedded.host,
          port: embedded.port,
          hostname: ctx.hostname,
          credentials: Boolean(username && password),
        }),
      );
    }
    const info = packageInfo();
    bridge = new MqttBridge({
      store,
      log,
      exposure: new Exposure([...config.exclude, ENTITY.howToConnect], LOCAL_COMMANDS),
      device: {
        nodeId,
        name: config.device_name ?? ctx.hostname,
        version: info.version,
        ...(info.homepage ? { supportUrl: info.homepage } : {}),
        ...(config.configuration_url ? { configurationUrl: config.configuration_url } : {}),
      },
      topics,
      url,
      clientOptions,
      keepaliveSeconds: config.keepalive,
      reconnectPeriodMs: config.reconnect_period * 1000,
      heartbeatMs: config.heartbeat * 1000,
      debounceMs: config.discovery_debounce * 1000,
      birthDelayMs: config.birth_delay * 1000,
      retainDiscovery: config.retain_discovery,
      suspendEntity: config.suspend_entity,
      announcedFile: join(ctx.paths.stateDir, `homeassistant-${nodeId}.json`),
      onConnection(state, detail) {
        store.set(ENTITY.connection, state === "connected", { url, state, ...(detail ? { detail } : {}) });
        problem("mqtt", state === "disconnected" ? (detail ?? `not connected to ${url}`) : undefined);
      },
      onDiscovery(report) {
        store.set(ENTITY.lastDiscovery, new Date(report.at).toISOString(), {
          reason: report.reason,
          components: report.components,
          topic: topics.discovery,
        });
      },
    });
    await bridge.start();
  }

  async function startHomeAssistant(): Promise<void> {
    const token = await ctx.secrets.get("hass_token");
    if (!config.server || !token) {
      const missing = !config.server
        ? "homeassistant.server (or HASS_SERVER)"
        : "the secret hass_token (HASS_TOKEN)";
      store.set(ENTITY.api, "not_configured", { detail: `set ${missing} for service calls and rules` });
      if (config.rules.length) problem("rules", `rules cannot call Home Assistant: set ${missing}`);
      return;
    }
    const rest = new HassRest({ server: config.server, token, timeoutMs: config.request_timeout * 1000 });
    link = new HassLink({
      server: config.server,
      token,
      log,
      onState(state, detail) {
        store.set(ENTITY.api, state, { server: config.server, ...(detail ? { detail } : {}) });
        problem("api", state === "auth_invalid" ? (detail ?? "Home Assistant refused the token") : undefined);
      },
    });
    link.start();
    const call = (request: ServiceCall) =>
      link?.connected ? link.callService(request) : rest.callService(request.service, request);
    store.command({
      id: "homeassistant.call",
      summary: "Call a Home Assistant service",
      args: ServiceCall,
      handler: (request) => call(request),
    });
    if (config.rules.length) {
      rules = new RuleEngine({
        rules: config.rules,
        store,
        external: link,
        call,
        clock: systemClock,
        log,
        retry: {
          attempts: config.retry.attempts,
          delayMs: config.retry.delay * 1000,
          maxDelayMs: config.retry.max_delay * 1000,
        },
        onProblem: (rule, message) => problem(`rule:${rule}`, message),
      });
      rules.start();
    }
  }

  return {
    async start() {
      defineOwnEntities(store);
      store.command({
        id: "homeassistant.republish",
        summary: "Republish discovery and states to Home Assistant",
        args: z.object({}),
        async handler() {
          await bridge?.republish("requested");
          return { components: bridge?.lastDiscovery?.components ?? 0 };
        },
      });
      store.command({
        id: "homeassistant.flush",
        summary: "Wait until what is queued for the broker has been sent (presence uses it before sleep)",
        args: z.object({}),
        handler: async () => {
          await bridge?.flush();
          return { connected: bridge?.connected ?? false };
        },
      });
      store.command({
        id: "homeassistant.status",
        summary: "Bridge status",
        args: z.object({}),
        handler: status,
      });
      store.command({
        id: "homeassistant.discovery",
        summary: "The discovery message the bridge publishes",
        args: z.object({}),
        handler: () => ({
          topic: topics.discovery,
          retain: config.retain_discovery,
          payload: bridge?.payload(),
        }),
      });
      registerNamedCommands(store, namedCommands(config), log);
      await startBridge();
      await startHomeAssistant();
    },
    async stop() {
      rules?.stop();
      await link?.stop();
      await bridge?.stop();
      await embedded?.close();
    },
  };
}
