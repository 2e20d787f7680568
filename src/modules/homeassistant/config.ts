import { z } from "zod";
import { duration, port } from "../../core/config/fields.ts";

const ENTITY_ID = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const SERVICE = /^[a-z0-9_]+\.[a-z0-9_]+$/;
const NAME = /^[a-z0-9_]+$/;

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

const Values = z.union([Scalar, z.array(Scalar).min(1)]);

const test = {
  entity: z.string().regex(ENTITY_ID, "an entity id such as presence.idle or light.office"),
  is: Values.optional(),
  not: Values.optional(),
  above: z.number().optional(),
  below: z.number().optional(),
};

function hasTest(c: { is?: unknown; not?: unknown; above?: unknown; below?: unknown }): boolean {
  return c.is !== undefined || c.not !== undefined || c.above !== undefined || c.below !== undefined;
}

/** One test of an entity's value; Home Assistant entity ids work as well as deskhub ones. */
export const Condition = z
  .strictObject(test)
  .refine(hasTest, { message: "a condition needs `is`, `not`, `above` or `below`" });
export type Condition = z.output<typeof Condition>;

export const Trigger = z
  .strictObject({
    ...test,
    /** Only a change from this value counts (Home Assistant's `from`). */
    from: Values.optional(),
    /** How long the condition must hold before the rule fires. */
    for: duration().optional(),
  })
  .refine(hasTest, { message: "`when` needs `is`, `not`, `above` or `below`" });
export type Trigger = z.output<typeof Trigger>;

const IdList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** Home Assistant's service-call target. */
export const Target = z.strictObject({
  entity_id: IdList.optional(),
  device_id: IdList.optional(),
  area_id: IdList.optional(),
  floor_id: IdList.optional(),
  label_id: IdList.optional(),
});
export type Target = z.output<typeof Target>;

export const ServiceCall = z.strictObject({
  service: z.string().regex(SERVICE, "a service such as light.turn_off"),
  target: Target.optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type ServiceCall = z.output<typeof ServiceCall>;

export const Rule = z.strictObject({
  name: z.string().regex(NAME, "lowercase letters, digits and _ (it becomes an entity id)"),
  when: Trigger,
  unless: z.array(Condition).default([]),
  call: ServiceCall,
});
export type Rule = z.output<typeof Rule>;

/** A named command from the allow-list: a program and its arguments, never a shell line. */
const NamedCommand = z.union([
  z.array(z.string().min(1)).min(1),
  z.strictObject({
    argv: z.array(z.string().min(1)).min(1),
    /** Shown in Home Assistant and on the dashboard; default: the key. */
    label: z.string().min(1).optional(),
    timeout: duration().default(30),
  }),
]);

// Nested blocks are strict themselves: the loader makes only the top level strict, and
// a typo such as `retry.atempts` must not be dropped without a word.
export const HomeAssistantConfig = z.object({
  /** `host`, `host:port` or an `mqtt://` / `mqtts://` URL; empty runs the embedded broker. */
  broker: z.string().default(""),
  embedded: z
    .strictObject({
      host: z.string().default("127.0.0.1"),
      port: port().default(1883),
    })
    .prefault({}),
  tls: z
    .strictObject({
      /** A CA bundle for a broker with a private certificate. */
      ca_file: z.string().optional(),
      insecure: z.boolean().default(false),
    })
    .prefault({}),
  client_id: z.string().optional(),
  /** Default: the hostname, normalised; each machine is its own device. */
  node_id: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/, "letters, digits, _ and - only (it is part of MQTT topics)")
    .optional(),
  device_name: z.string().min(1).optional(),
  /** A URL Home Assistant shows as the device's "Visit" link. */
  configuration_url: z.url().optional(),
  base_topic: z
    .string()
    .regex(/^[^#+]+$/, "an MQTT topic without wildcards")
    .default("deskhub"),
  discovery_prefix: z
    .string()
    .regex(/^[^#+]+$/, "an MQTT topic without wildcards")
    .default("homeassistant"),
  /**
   * Home Assistant's birth and will topic (its MQTT options); the bridge republishes
   * everything when Home Assistant says `online` there. It does not follow
   * discovery_prefix: Home Assistant keeps the two apart.
   */
  status_topic: z
    .string()
    .regex(/^[^#+]+$/, "an MQTT topic without wildcards")
    .default("homeassistant/status"),
  retain_discovery: z.boolean().default(true),
  keepalive: duration().default(30),
  reconnect_period: duration().default(2),
  heartbeat: duration().default(60),
  discovery_debounce: duration().default(0.5),
  /** Home Assistant asks for a random delay before answering its birth message. */
  birth_delay: duration().default(1),
  /** The entity that is on while the machine goes to sleep; offline is published then. */
  suspend_entity: z.string().default("presence.suspending"),
  /** Entity and command ids (or `module.*`) that Home Assistant must not see. */
  exclude: z.array(z.string()).default([]),
  commands: z.record(z.string().regex(NAME, "lowercase letters, digits and _"), NamedCommand).default({}),
  /** Home Assistant's URL for service calls and `deskhub hass`, e.g. http://homeassistant.local:8123 */
  server: z.url({ protocol: /^https?$/, error: "a URL such as http://homeassistant.local:8123" }).optional(),
  request_timeout: duration().default(10),
  rules: z.array(Rule).default([]),
  retry: z
    .strictObject({
      attempts: z.number().int().min(1).default(6),
      delay: duration().default(5),
      max_delay: duration().default(300),
    })
    .prefault({}),
});
export type HomeAssistantConfig = z.output<typeof HomeAssistantConfig>;

export interface NamedCommandSpec {
  name: string;
  argv: readonly string[];
  label: string;
  timeoutSeconds: number;
}

export function namedCommands(config: HomeAssistantConfig): NamedCommandSpec[] {
  return Object.entries(config.commands).map(([name, spec]) => {
    const full = Array.isArray(spec) ? { argv: spec, label: undefined, timeout: 30 } : spec;
    return {
      name,
      argv: full.argv,
      label: full.label ?? name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()),
      timeoutSeconds: full.timeout,
    };
  });
}
