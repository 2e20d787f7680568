import type { EntityValue } from "../../../core/store.ts";
import type { Platform } from "../discovery/components.ts";

const ON = new Set(["on", "true", "yes", "1", "open", "home"]);

/** Home Assistant reads "None" as unknown on sensors, binary sensors, switches, selects and numbers. */
const UNKNOWN = "None";
const STATE_MAX = 255;

/** The payload Home Assistant's MQTT platform expects on the state topic for a value. */
export function statePayload(platform: Platform, value: EntityValue): string {
  if (platform === "binary_sensor" || platform === "switch") {
    if (value === null) return UNKNOWN;
    if (typeof value === "boolean") return value ? "ON" : "OFF";
    if (typeof value === "number") return value !== 0 ? "ON" : "OFF";
    return ON.has(value.toLowerCase()) ? "ON" : "OFF";
  }
  if (value === null) return platform === "text" ? "" : UNKNOWN;
  const text = String(value);
  // Home Assistant refuses a state over 255 characters and shows the entity as unknown.
  return text.length > STATE_MAX ? [...text].slice(0, STATE_MAX).join("") : text;
}
