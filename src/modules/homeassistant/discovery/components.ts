import type { Entity } from "../../../core/store.ts";
import type { Topics } from "../mqtt/topics.ts";
import type { ExposedCommand } from "./exposure.ts";

export type Platform = "sensor" | "binary_sensor" | "switch" | "button" | "text" | "select" | "number";

/** One entry under `cmps`, with Home Assistant's documented abbreviations as keys. */
export type Component = { p: Platform } & Record<string, unknown>;

// Home Assistant rejects a whole component whose device class it does not know; these
// platforms have short lists, so an unknown class is dropped instead of the entity.
const DEVICE_CLASSES: Partial<Record<Platform, ReadonlySet<string>>> = {
  switch: new Set(["outlet", "switch"]),
  button: new Set(["identify", "restart", "update"]),
};

/** HA's `text` state is at most 255 characters. */
const TEXT_MAX = 255;

export interface ComponentContext {
  nodeId: string;
  deviceName: string;
  topics: Topics;
}

/** The platform an entity becomes; a controllable kind without a command is shown read-only. */
export function platformOf(entity: Pick<Entity, "kind" | "command">): Platform | undefined {
  if (entity.command) return entity.kind;
  switch (entity.kind) {
    case "switch":
      return "binary_sensor";
    case "button":
      return undefined;
    case "text":
    case "select":
    case "number":
      return "sensor";
    default:
      return entity.kind;
  }
}

function objectKey(id: string): string {
  return id.replace(/[^a-zA-Z0-9_]/g, "_");
}

export function entityKey(id: string): string {
  return objectKey(id);
}

export function commandKey(id: string): string {
  return `${objectKey(id)}_command`;
}

function defaultEntityId(platform: Platform, nodeId: string, key: string): string {
  return `${platform}.${`${nodeId}_${key}`.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`;
}

/**
 * Home Assistant prefixes every entity name with the device name itself and warns
 * when the name already starts with it.
 */
export function entityName(name: string, deviceName: string): string | null {
  const trimmed = name.trim();
  const device = deviceName.trim().toLowerCase();
  if (trimmed.toLowerCase() === device) return null;
  if (device && trimmed.toLowerCase().startsWith(device)) {
    const rest = trimmed.slice(device.length).replace(/^[\s:_-]+/, "");
    if (rest) return rest.charAt(0).toUpperCase() + rest.slice(1);
  }
  return trimmed;
}

function withoutUndefined(component: Record<string, unknown>): Component {
  return Object.fromEntries(Object.entries(component).filter(([, v]) => v !== undefined)) as Component;
}

function deviceClass(platform: Platform, value: string | undefined): string | undefined {
  const allowed = DEVICE_CLASSES[platform];
  return value && (!allowed || allowed.has(value)) ? value : undefined;
}

export interface Keyed {
  /** The component's key under `cmps`; also the tail of its unique id. */
  key: string;
  component: Component;
}

export function entityComponent(entity: Entity, ctx: ComponentContext): Keyed | undefined {
  const p = platformOf(entity);
  if (!p) return undefined;
  const key = entityKey(entity.id);
  const { topics } = ctx;
  const readOnly = p === "sensor" || p === "binary_sensor";
  // Home Assistant refuses sensors in the config category; a read-only setting is diagnostic.
  const category = entity.category === "config" && readOnly ? "diagnostic" : entity.category;
  const enumSensor = p === "sensor" && entity.kind === "select" && !entity.deviceClass;
  const component: Record<string, unknown> = {
    p,
    name: entityName(entity.name, ctx.deviceName),
    uniq_id: `deskhub_${ctx.nodeId}_${key}`,
    def_ent_id: defaultEntityId(p, ctx.nodeId, key),
    ic: entity.icon,
    ent_cat: category,
    dev_cla: enumSensor ? "enum" : deviceClass(p, entity.deviceClass),
  };
  if (p !== "button") {
    component.stat_t = topics.state(entity.id);
    component.json_attr_t = topics.attributes(entity.id);
  }
  if (entity.command) component.cmd_t = topics.set(entity.id);
  if (p === "sensor" || p === "number") component.unit_of_meas = entity.unit;
  if (p === "sensor") component.stat_cla = entity.stateClass;
  if (readOnly && entity.expireAfter !== undefined) component.exp_aft = Math.round(entity.expireAfter);
  if (p === "select" || enumSensor) component.ops = entity.options;
  if (p === "number") {
    component.min = entity.min;
    component.max = entity.max;
    component.step = entity.step;
  }
  if (p === "text") component.max = TEXT_MAX;
  return { key, component: withoutUndefined(component) };
}

export function commandComponent(command: ExposedCommand, ctx: ComponentContext): Keyed {
  const key = commandKey(command.def.id);
  const summary = command.def.summary.replace(/\.$/, "");
  const p: Platform = command.how.style === "json" ? "text" : command.how.style;
  const component = withoutUndefined({
    p,
    name: entityName(command.how.style === "json" ? `${summary} (JSON arguments)` : summary, ctx.deviceName),
    uniq_id: `deskhub_${ctx.nodeId}_${key}`,
    def_ent_id: defaultEntityId(p, ctx.nodeId, key),
    cmd_t: ctx.topics.run(command.def.id),
    max: p === "text" ? TEXT_MAX : undefined,
    ops: command.how.style === "select" ? command.how.options : undefined,
    // Raw JSON arguments are for automations, not for a card on someone's dashboard.
    en: command.how.style === "json" ? false : undefined,
  });
  return { key, component };
}
