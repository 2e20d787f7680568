import { z } from "zod";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { Target } from "../config.ts";

/** A state as Home Assistant's REST and WebSocket APIs return it; unknown fields are kept. */
export const HassState = z.looseObject({
  entity_id: z.string(),
  state: z.string(),
  attributes: z.record(z.string(), z.unknown()).default({}),
  last_changed: z.string().optional(),
  last_updated: z.string().optional(),
});
export type HassState = z.output<typeof HassState>;

const States = z.array(HassState);
const ServiceDomains = z.array(
  z.looseObject({ domain: z.string(), services: z.record(z.string(), z.looseObject({})) }),
);
export type ServiceDomains = z.output<typeof ServiceDomains>;
const CallResult = z.union([
  States,
  z.looseObject({ changed_states: States, service_response: z.unknown() }),
]);

export const TOKEN_HINT =
  "create a long-lived access token in Home Assistant (your profile, Security tab) and set HASS_TOKEN, or put it in the runtime secrets dir as hass_token";

/** `http://ha.lan:8123/` and `http://ha.lan:8123/api` both mean the server. */
export function normaliseServer(server: string): string {
  return server.replace(/\/+$/, "").replace(/\/api$/, "");
}

/**
 * Home Assistant's REST API for one-shot calls (the CLI); each failure becomes an error
 * that says what to fix.
 */
export class HassRest {
  readonly server: string;
  #token: string;
  #timeoutMs: number;

  constructor(options: { server: string; token: string; timeoutMs?: number }) {
    this.server = normaliseServer(options.server);
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async #request(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
  ): Promise<{ status: number; data: unknown }> {
    const url = `${this.server}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why =
        (error as Error).name === "TimeoutError"
          ? `no answer in ${this.#timeoutMs / 1000} s`
          : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new UserError(`cannot reach Home Assistant at ${this.server}: ${why}`, {
        code: ExitCode.unavailable,
        hint: "check homeassistant.server (or HASS_SERVER) and that Home Assistant is running",
      });
    }
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      throw new UserError(`Home Assistant at ${this.server} refused the access token (${response.status})`, {
        code: ExitCode.noPerm,
        hint: TOKEN_HINT,
      });
    }
    let data: unknown = text;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      // Error pages are plain text ("400: Bad Request"); they are reported as text.
    }
    if (response.status >= 500) {
      throw new UserError(`Home Assistant at ${this.server} failed: ${response.status} ${message(data)}`, {
        code: ExitCode.unavailable,
      });
    }
    return { status: response.status, data };
  }

  async states(): Promise<HassState[]> {
    const { status, data } = await this.#request("GET", "/api/states");
    if (status !== 200) throw unexpected(status, data);
    return parse(States, data, "/api/states");
  }

  async state(entityId: string): Promise<HassState> {
    const { status, data } = await this.#request("GET", `/api/states/${encodeURIComponent(entityId)}`);
    if (status === 404) {
      throw new UserError(`Home Assistant has no entity ${entityId}`, {
        code: ExitCode.dataErr,
        hint: "`deskhub hass entities` lists the entity ids it has",
      });
    }
    if (status !== 200) throw unexpected(status, data);
    return parse(HassState, data, `/api/states/${entityId}`);
  }

  async services(): Promise<ServiceDomains> {
    const { status, data } = await this.#request("GET", "/api/services");
    if (status !== 200) throw unexpected(status, data);
    return parse(ServiceDomains, data, "/api/services");
  }

  /** Calls a service; target keys (entity_id, area_id, ...) go into the body beside the data. */
  async callService(
    service: string,
    options: { target?: Target; data?: Record<string, unknown>; returnResponse?: boolean } = {},
  ): Promise<{ changed: HassState[]; response?: unknown }> {
    const [domain, name] = splitService(service);
    const query = options.returnResponse ? "?return_response" : "";
    const body = { ...(options.data ?? {}), ...(options.target ?? {}) };
    const { status, data } = await this.#request("POST", `/api/services/${domain}/${name}${query}`, body);
    if (status === 400 || status === 404) {
      throw new UserError(`Home Assistant rejected ${service}: ${message(data)}`, {
        code: ExitCode.dataErr,
        hint: "check the service name and its data; `deskhub hass services` lists what Home Assistant offers",
      });
    }
    if (status !== 200) throw unexpected(status, data);
    const result = parse(CallResult, data, `/api/services/${domain}/${name}`);
    return Array.isArray(result)
      ? { changed: result }
      : { changed: result.changed_states, response: result.service_response };
  }
}

export function splitService(service: string): [string, string] {
  const match = /^([a-z0-9_]+)\.([a-z0-9_]+)$/.exec(service);
  if (!match) {
    throw new UserError(`"${service}" is not a service name`, {
      code: ExitCode.usage,
      hint: "write domain.service, e.g. light.turn_off",
    });
  }
  return [match[1]!, match[2]!];
}

function message(data: unknown): string {
  if (data && typeof data === "object" && "message" in data)
    return String((data as { message: unknown }).message);
  return typeof data === "string" ? data : JSON.stringify(data);
}

function unexpected(status: number, data: unknown): UserError {
  return new UserError(`Home Assistant answered ${status}: ${message(data)}`, { code: ExitCode.unavailable });
}

function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new UserError(
    `Home Assistant sent something unexpected for ${what}: ${result.error.issues[0]?.message}`,
    {
      code: ExitCode.unavailable,
      hint: "is homeassistant.server really a Home Assistant?",
    },
  );
}
