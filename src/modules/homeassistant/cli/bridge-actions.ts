import { runInDaemon } from "../../../core/control/client.ts";
import { ExitCode, isUserError, UserError } from "../../../core/errors.ts";
import type { CliApp, ModuleContext } from "../../../core/module.ts";
import type { HomeAssistantConfig } from "../config.ts";
import { parseBroker } from "../mqtt/broker-url.ts";
import { makeTopics } from "../mqtt/topics.ts";
import type { BridgeStatus } from "../service.ts";

type App = CliApp<HomeAssistantConfig>;

/** Runs one of the bridge's commands in the daemon; a daemon without the bridge says so. */
async function inDaemon<T>(ctx: ModuleContext, command: string): Promise<T> {
  try {
    return await runInDaemon<T>(ctx.paths, command);
  } catch (error) {
    if (isUserError(error) && error.message.startsWith("no command")) {
      throw new UserError("the daemon runs, but not the homeassistant service", {
        code: ExitCode.unavailable,
        hint: "`deskhub status` says why (disabled in the config, or failing)",
      });
    }
    throw error;
  }
}

/** What the config says the bridge would do, for when the daemon is not running. */
async function planned(ctx: ModuleContext, config: HomeAssistantConfig) {
  const nodeId = config.node_id ?? ctx.nodeId;
  const topics = makeTopics({
    baseTopic: config.base_topic,
    discoveryPrefix: config.discovery_prefix,
    statusTopic: config.status_topic,
    nodeId,
  });
  const token = await ctx.secrets.locate("hass_token");
  return {
    broker: config.broker
      ? { kind: "configured", url: parseBroker(config.broker).url }
      : { kind: "embedded", url: `mqtt://${config.embedded.host}:${config.embedded.port}` },
    node_id: nodeId,
    discovery_topic: topics.discovery,
    base_topic: topics.base,
    home_assistant: {
      server: config.server ?? null,
      token: token.found ? `found (${token.kind}: ${token.where})` : "not set",
    },
    rules: config.rules.map((r) => r.name),
    commands: Object.keys(config.commands),
  };
}

export async function statusAction(app: App, options: { json?: boolean }): Promise<void> {
  const { ctx, config } = await app.load();
  let status: BridgeStatus;
  try {
    status = await inDaemon<BridgeStatus>(ctx, "homeassistant.status");
  } catch (error) {
    if (!isUserError(error) || error.code !== ExitCode.unavailable) throw error;
    const plan = await planned(ctx, config);
    if (options.json) {
      app.output.json({ running: false, reason: error.message, hint: error.hint, planned: plan });
    } else {
      app.output.line(`not running: ${error.message}${error.hint ? ` (${error.hint})` : ""}`);
      app.output.line(`broker:    ${plan.broker.kind}, ${plan.broker.url}`);
      app.output.line(`node id:   ${plan.node_id}`);
      app.output.line(`discovery: ${plan.discovery_topic}`);
      app.output.line(
        `home assistant: ${plan.home_assistant.server ?? "not set"}, token ${plan.home_assistant.token}`,
      );
      app.output.line(`rules:     ${plan.rules.join(", ") || "none"}`);
    }
    process.exitCode = ExitCode.unavailable;
    return;
  }
  if (options.json) {
    app.output.json({ running: true, ...status });
    return;
  }
  const { broker } = status;
  app.output.line(
    `broker:    ${broker.kind}, ${broker.url}, ${broker.connected ? "connected" : `not connected${broker.detail ? ` (${broker.detail})` : ""}`}`,
  );
  if (broker.how_to_connect) app.output.line(`connect:   ${broker.how_to_connect}`);
  app.output.line(`node id:   ${status.node_id} (topics under ${status.base_topic})`);
  app.output.line(
    `discovery: ${status.discovery_topic}, ${status.last_discovery ? `last published ${status.last_discovery.at} (${status.last_discovery.components} components, ${status.last_discovery.reason})` : "not published yet"}`,
  );
  const ha = status.home_assistant;
  app.output.line(
    `home assistant: ${ha.server ?? "not set"}, ${ha.state}${ha.detail ? ` (${ha.detail})` : ""}`,
  );
  for (const rule of status.rules) {
    app.output.line(
      `rule ${rule.name}: ${rule.status ?? "-"}${rule.last_fired ? `, last fired ${rule.last_fired}` : ""}`,
    );
  }
}

export async function discoveryAction(app: App, options: { json?: boolean }): Promise<void> {
  const { ctx } = await app.load();
  const result = await inDaemon<{ topic: string; retain: boolean; payload: unknown }>(
    ctx,
    "homeassistant.discovery",
  );
  if (options.json) {
    app.output.json(result);
    return;
  }
  app.output.line(`${result.topic}${result.retain ? " (retained)" : ""}`);
  app.output.line(JSON.stringify(result.payload, null, 2));
}

export async function republishAction(app: App): Promise<void> {
  const { ctx } = await app.load();
  const result = await inDaemon<{ components: number }>(ctx, "homeassistant.republish");
  app.output.line(`republished discovery (${result.components} components) and every state`);
}
