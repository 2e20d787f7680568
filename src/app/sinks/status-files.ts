import { join } from "node:path";
import type { z } from "zod";
import { writeFileAtomic } from "../../core/atomic.ts";
import type { StatusFilesSection } from "../../core/config/schema.ts";
import type { Logger } from "../../core/log.ts";
import type { Paths } from "../../core/paths.ts";
import { scrub } from "../../core/redact.ts";
import type { Entity, EntityValue, Store } from "../../core/store.ts";

/** The file names the old scripts wrote under /tmp/mqtt/, which other tools still read. */
export const MQTT_PRESET: Readonly<Record<string, string>> = {
  "presence.in_office": "in_office_status",
  "presence.online": "linux_mini_status",
  "presence.webcam": "linux_webcam_status",
  "presence.idle": "idle_detection_status",
  "presence.override": "manual_override_status",
};

export function formatValue(value: EntityValue | undefined): string {
  if (value === true) return "on";
  if (value === false) return "off";
  if (value === null || value === undefined) return "unknown";
  return String(value);
}

/**
 * One small file per entity, rewritten atomically on every change, for shell scripts
 * and status bars that read files. The mqtt preset keeps the old /tmp/mqtt names.
 */
export function startStatusFiles(
  store: Store,
  config: z.output<typeof StatusFilesSection>,
  paths: Paths,
  log: Logger,
): () => Promise<void> {
  const mqtt = config.preset === "mqtt";
  const dir = config.dir ?? (mqtt ? "/tmp/mqtt" : join(paths.runtimeDir, "status"));
  const names: Record<string, string> = { ...(mqtt ? MQTT_PRESET : {}), ...config.names };
  const only = config.entities.length
    ? new Set(config.entities)
    : mqtt
      ? new Set(Object.keys(names))
      : undefined;
  // Writes for one file are chained so a slow write cannot land after a newer one.
  const chains = new Map<string, Promise<void>>();

  const write = (entity: Entity) => {
    if (only && !only.has(entity.id)) return;
    const file = join(dir, names[entity.id] ?? entity.id);
    const text = `${scrub(formatValue(entity.state?.value))}\n`;
    const next = (chains.get(file) ?? Promise.resolve())
      .then(() => writeFileAtomic(file, text))
      .catch((error: unknown) => log.warn({ err: error, file }, "cannot write status file"));
    chains.set(file, next);
  };

  for (const entity of store.entities()) if (entity.state) write(entity);
  const off = store.bus.on("entity:state", ({ entity }) => write(entity));
  return async () => {
    off();
    await Promise.all(chains.values());
  };
}
