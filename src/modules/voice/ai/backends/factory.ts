import type { ClientOptions } from "ws";
import { ExitCode, UserError } from "../../../../core/errors.ts";
import type { ModuleContext } from "../../../../core/module.ts";
import { checkBackends, publishAvailability } from "../availability.ts";
import { type AiConfig, type AiMode, ANTHROPIC_SECRET, OPENAI_SECRET } from "../config.ts";
import type { OpenPcmOut } from "../ports.ts";
import type { ToolExecutor } from "../tools/executor.ts";
import { AnthropicBackend } from "./anthropic.ts";
import type { RealtimeBackend } from "./realtime/backend.ts";
import type { TextBackend } from "./types.ts";

export interface BackendFactoryDeps {
  config: AiConfig;
  ctx: Pick<ModuleContext, "paths" | "env" | "store" | "secrets">;
  /** voice.ai_mode, for the availability entity. */
  mode: AiMode;
  /** The Claude Code backend, when the CLI is installed. */
  claude: TextBackend | undefined;
  executor: ToolExecutor;
  instructions: () => string;
  openPcmOut: OpenPcmOut | undefined;
  realtimeWsOptions: ClientOptions | undefined;
}

/**
 * Makes each backend when it is first needed, from the key or binary it needs; when that
 * is missing, the error (and the voice.ai_backend entity) says what and how to add it.
 */
export function backendFactory(deps: BackendFactoryDeps) {
  const { config, ctx } = deps;
  const texts = new Map<AiMode, TextBackend>();
  let realtime: Promise<RealtimeBackend> | undefined;

  const unavailable = async (mode: AiMode): Promise<never> => {
    const all = await checkBackends({ config, paths: ctx.paths, env: ctx.env, secrets: ctx.secrets });
    publishAvailability(ctx.store, deps.mode, all);
    const state = all[mode];
    throw new UserError(
      state.available ? `the ${mode} backend cannot start` : `ai_mode ${mode} needs ${state.missing}`,
      { code: ExitCode.config, ...(state.available ? {} : { hint: state.how }) },
    );
  };

  const makeRealtime = async (): Promise<RealtimeBackend> => {
    if (!deps.openPcmOut) {
      throw new UserError("ai_mode realtime needs an audio player for 24 kHz PCM", {
        code: ExitCode.software,
      });
    }
    const apiKey = await ctx.secrets.get(OPENAI_SECRET);
    if (!apiKey) return unavailable("realtime");
    const { RealtimeBackend } = await import("./realtime/backend.ts");
    return new RealtimeBackend({
      apiKey,
      baseURL: config.realtime.base_url,
      model: config.realtime.model,
      voice: config.realtime.voice,
      instructions: deps.instructions,
      executor: deps.executor,
      openPcmOut: deps.openPcmOut,
      keepOpenMs: config.realtime.keep_open_seconds * 1000,
      wsOptions: deps.realtimeWsOptions,
    });
  };

  return {
    async text(mode: Exclude<AiMode, "realtime">): Promise<TextBackend> {
      const existing = texts.get(mode);
      if (existing) return existing;
      let backend: TextBackend | undefined;
      if (mode === "claude") backend = deps.claude;
      else {
        const apiKey = await ctx.secrets.get(ANTHROPIC_SECRET);
        if (apiKey) {
          backend = new AnthropicBackend({
            apiKey,
            baseURL: config.anthropic.base_url ?? ctx.env.ANTHROPIC_BASE_URL,
            model: config.anthropic.model,
            maxTokens: config.anthropic.max_tokens,
            maxToolRounds: config.anthropic.max_tool_rounds,
            historyTurns: config.anthropic.history_turns,
            timeoutMs: config.anthropic.timeout_seconds * 1000,
            instructions: deps.instructions,
            executor: deps.executor,
          });
        }
      }
      if (!backend) return unavailable(mode);
      texts.set(mode, backend);
      return backend;
    },

    /** One backend for all turns; a failure (no key yet) is retried on the next turn. */
    realtime(): Promise<RealtimeBackend> {
      realtime ??= makeRealtime().catch((error: unknown) => {
        realtime = undefined;
        throw error;
      });
      return realtime;
    },

    /** Forgets the conversations: text history, and the Realtime session (a new socket next time). */
    reset(): void {
      for (const backend of texts.values()) backend.reset();
      void realtime?.then(
        (r) => r.close(),
        () => undefined,
      );
      realtime = undefined;
    },

    close(): void {
      void realtime?.then(
        (r) => r.close(),
        () => undefined,
      );
      realtime = undefined;
    },
  };
}
