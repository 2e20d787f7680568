import { z } from "zod";
import type { ModuleDef } from "../module.ts";
import { port, secretString } from "./fields.ts";

export const LogSection = z.strictObject({
  level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export const DashboardSection = z.strictObject({
  host: z.string().default("127.0.0.1"),
  port: port().default(7373),
  /** Required when host is not loopback: the dashboard can run commands. */
  token: secretString().optional(),
});

export const StatusFilesSection = z.strictObject({
  enabled: z.boolean().default(true),
  /** Default: `$XDG_RUNTIME_DIR/deskhub/status`; `/tmp/mqtt` with the mqtt preset. */
  dir: z.string().optional(),
  /** `mqtt` keeps the old scripts' file names (in_office_status, ...). */
  preset: z.enum(["deskhub", "mqtt"]).default("deskhub"),
  /** Entity id to file name; wins over the preset. */
  names: z.record(z.string(), z.string().regex(/^[^/]+$/, "a file name without /")).default({}),
  /** Only these entities (all when empty). */
  entities: z.array(z.string()).default([]),
});

export const SecretsSection = z.strictObject({
  /** SOPS-encrypted YAML, JSON or dotenv files to look secrets up in. */
  sops_files: z.array(z.string()).default([]),
  /** Extra key files per secret name: `{ openai_api_key: [~/.keys/openai] }`. */
  files: z.record(z.string(), z.array(z.string())).default({}),
});

export const coreSections = {
  log: LogSection.prefault({}),
  dashboard: DashboardSection.prefault({}),
  status_files: StatusFilesSection.prefault({}),
  secrets: SecretsSection.prefault({}),
};

export type CoreConfig = {
  log: z.output<typeof LogSection>;
  dashboard: z.output<typeof DashboardSection>;
  status_files: z.output<typeof StatusFilesSection>;
  secrets: z.output<typeof SecretsSection>;
};

/** Every module section gains `enabled`, so any module can be switched off in one line. */
export async function moduleSection(def: ModuleDef) {
  return (await def.config()).extend({ enabled: z.boolean().default(true) }).strict();
}

/**
 * `unchecked` names modules that this process did not load (a command of one module
 * loads only that module): their sections are accepted as they are, and checked by
 * the commands that load them.
 */
export async function buildSchema(modules: readonly ModuleDef[], unchecked: readonly string[] = []) {
  const shape: Record<string, z.ZodType> = { ...coreSections };
  for (const name of unchecked) shape[name] = z.unknown().optional();
  const sections = await Promise.all(modules.map(moduleSection));
  modules.forEach((def, i) => {
    shape[def.name] = sections[i]!.prefault({});
  });
  return z.strictObject(shape);
}

export async function jsonSchema(modules: readonly ModuleDef[]): Promise<unknown> {
  return z.toJSONSchema(await buildSchema(modules), { io: "input", unrepresentable: "any" });
}
