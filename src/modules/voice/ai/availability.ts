import { join } from "node:path";
import { expandHome, type Paths } from "../../../core/paths.ts";
import { which } from "../../../core/proc.ts";
import type { Secrets } from "../../../core/secrets/secrets.ts";
import type { Store } from "../../../core/store.ts";
import type { Availability } from "./backends/types.ts";
import { AI_MODES, type AiConfig, type AiMode, ANTHROPIC_SECRET, OPENAI_SECRET } from "./config.ts";

export const BACKEND_ENTITY = "voice.ai_backend";

export interface AvailabilityDeps {
  config: AiConfig;
  paths: Paths;
  env: NodeJS.ProcessEnv;
  secrets: Pick<Secrets, "locate" | "howToSet">;
}

export function claudeSessionDir(config: AiConfig, paths: Paths): string {
  return config.claude.session_dir
    ? expandHome(config.claude.session_dir, paths)
    : join(paths.dataDir, "claude-session");
}

export async function claudeBinary(
  config: AiConfig,
  deps: Pick<AvailabilityDeps, "paths" | "env">,
): Promise<string | undefined> {
  return which(expandHome(config.claude.binary, deps.paths), deps.env);
}

async function secretAvailability(
  deps: AvailabilityDeps,
  name: string,
  what: string,
  detail: string,
): Promise<Availability> {
  const where = await deps.secrets.locate(name);
  if (where.error)
    return { available: false, missing: `${what} (${where.error})`, how: deps.secrets.howToSet(name) };
  if (!where.found) return { available: false, missing: what, how: deps.secrets.howToSet(name) };
  return { available: true, detail: `${detail}, key from ${where.where}` };
}

/** Each backend: can it run here, and if not, exactly what is missing and how to add it. */
export async function checkBackend(mode: AiMode, deps: AvailabilityDeps): Promise<Availability> {
  const { config } = deps;
  switch (mode) {
    case "claude": {
      const binary = await claudeBinary(config, deps);
      if (!binary) {
        return {
          available: false,
          missing: `the Claude Code CLI (${config.claude.binary} is not on PATH)`,
          how: "npm install -g @anthropic-ai/claude-code and run `claude` once to log in, or set voice.ai.claude.binary",
        };
      }
      return { available: true, detail: `${binary}, permission mode ${config.claude.permission_mode}` };
    }
    case "anthropic":
      return secretAvailability(
        deps,
        ANTHROPIC_SECRET,
        "an Anthropic API key",
        `model ${config.anthropic.model}`,
      );
    case "realtime":
      return secretAvailability(
        deps,
        OPENAI_SECRET,
        "an OpenAI API key",
        `model ${config.realtime.model}, voice ${config.realtime.voice}`,
      );
  }
}

export async function checkBackends(deps: AvailabilityDeps): Promise<Record<AiMode, Availability>> {
  const entries = await Promise.all(
    AI_MODES.map(async (mode) => [mode, await checkBackend(mode, deps)] as const),
  );
  return Object.fromEntries(entries) as Record<AiMode, Availability>;
}

/** The diagnostic entity the dashboard and Home Assistant show: the chosen backend, or why it cannot run. */
export function publishAvailability(store: Store, mode: AiMode, all: Record<AiMode, Availability>): void {
  if (!store.get(BACKEND_ENTITY)) {
    store.define({
      id: BACKEND_ENTITY,
      kind: "sensor",
      name: "Assistant backend",
      icon: "mdi:robot",
      category: "diagnostic",
    });
  }
  const chosen = all[mode];
  store.set(BACKEND_ENTITY, chosen.available ? mode : "unavailable", {
    mode,
    ...(chosen.available ? {} : { missing: chosen.missing, how: chosen.how }),
    backends: all,
  });
}
