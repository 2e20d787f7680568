import { ExitCode, UserError } from "../../../core/errors.ts";
import type { CliApp } from "../../../core/module.ts";
import type { HomeAssistantConfig } from "../config.ts";
import { HassRest, type HassState } from "../hass/rest.ts";
import { parseData, parseTarget } from "./arguments.ts";

type App = CliApp<HomeAssistantConfig>;

export interface CallOptions {
  target?: string[];
  area?: string[];
  device?: string[];
  floor?: string[];
  label?: string[];
  response?: boolean;
  json?: boolean;
}

async function client(app: App): Promise<HassRest> {
  const { ctx, config } = await app.load();
  if (!config.server) {
    throw new UserError("Home Assistant's address is not set", {
      code: ExitCode.config,
      hint: "set homeassistant.server in config.yaml, or HASS_SERVER=http://homeassistant.local:8123",
    });
  }
  const token = await ctx.secrets.require("hass_token");
  return new HassRest({ server: config.server, token, timeoutMs: config.request_timeout * 1000 });
}

function friendly(state: HassState): string {
  const name = state.attributes.friendly_name;
  return typeof name === "string" ? name : "";
}

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export async function callAction(
  app: App,
  service: string,
  pairs: string[],
  options: CallOptions,
): Promise<void> {
  const target = parseTarget(options);
  const data = parseData(pairs);
  const rest = await client(app);
  const result = await rest.callService(service, {
    ...(target ? { target } : {}),
    ...(Object.keys(data).length ? { data } : {}),
    returnResponse: options.response ?? false,
  });
  if (options.json) {
    app.output.json({
      service,
      target: target ?? null,
      data,
      changed: result.changed,
      response: result.response ?? null,
    });
    return;
  }
  app.output.line(`called ${service}`);
  for (const state of result.changed) app.output.line(`  ${state.entity_id}: ${state.state}`);
  if (result.response !== undefined) app.output.line(JSON.stringify(result.response, null, 2));
}

export async function stateAction(app: App, entityId: string, options: { json?: boolean }): Promise<void> {
  const state = await (await client(app)).state(entityId);
  if (options.json) {
    app.output.json(state);
    return;
  }
  app.output.line(`${state.entity_id}: ${state.state}`);
  for (const [key, value] of Object.entries(state.attributes)) app.output.line(`  ${key}: ${show(value)}`);
  if (state.last_changed) app.output.line(`  (changed ${state.last_changed})`);
}

export async function entitiesAction(app: App, options: { domain?: string; json?: boolean }): Promise<void> {
  const states = (await (await client(app)).states())
    .filter((s) => !options.domain || s.entity_id.startsWith(`${options.domain}.`))
    .sort((a, b) => a.entity_id.localeCompare(b.entity_id));
  if (options.json) {
    app.output.json(states);
    return;
  }
  if (!states.length) {
    app.output.line(options.domain ? `no ${options.domain} entities` : "no entities");
    return;
  }
  const width = Math.max(...states.map((s) => s.entity_id.length));
  const stateWidth = Math.max(...states.map((s) => s.state.length));
  for (const s of states) {
    app.output.line(`${s.entity_id.padEnd(width)}  ${s.state.padEnd(stateWidth)}  ${friendly(s)}`.trimEnd());
  }
}

export async function servicesAction(app: App, options: { domain?: string; json?: boolean }): Promise<void> {
  const domains = (await (await client(app)).services()).filter(
    (d) => !options.domain || d.domain === options.domain,
  );
  if (options.json) {
    app.output.json(domains);
    return;
  }
  for (const domain of domains) {
    for (const name of Object.keys(domain.services).sort()) app.output.line(`${domain.domain}.${name}`);
  }
}
