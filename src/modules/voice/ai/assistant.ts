import { existsSync } from "node:fs";
import type { ClientOptions } from "ws";
import { errorMessage } from "../../../core/errors.ts";
import type { ModuleContext } from "../../../core/module.ts";
import { expandHome } from "../../../core/paths.ts";
import {
  BACKEND_ENTITY,
  checkBackends,
  claudeBinary,
  claudeSessionDir,
  publishAvailability,
} from "./availability.ts";
import { ClaudeCliBackend } from "./backends/claude-cli/backend.ts";
import { backendFactory } from "./backends/factory.ts";
import type { RealtimeTurnResult } from "./backends/realtime/backend.ts";
import { LazyTurn } from "./backends/realtime/lazy-turn.ts";
import type { Availability } from "./backends/types.ts";
import type { AiConfig, AiMode } from "./config.ts";
import { firstAnswer, notificationConfirm, spokenConfirm } from "./confirm.ts";
import { converse, type TurnRecord } from "./conversation/converse.ts";
import { systemInstructions } from "./instructions.ts";
import type { Confirm, Listen, OpenPcmOut, SpeechOut, StatusSink } from "./ports.ts";
import { AuditLog } from "./store/audit.ts";
import { MemoryStore } from "./store/memory.ts";
import { type ImportResult, importMemoryFile } from "./store/memory-import.ts";
import { AI_DB_FILE, AI_MIGRATIONS } from "./store/migrations.ts";
import { askClaudeTool } from "./tools/ask-claude.ts";
import { deskhubTools } from "./tools/deskhub-tools.ts";
import { ToolExecutor } from "./tools/executor.ts";
import { memoryTools } from "./tools/memory-tools.ts";
import { secretPlaces } from "./tools/secret-places.ts";
import { systemTools } from "./tools/system-tools.ts";

export interface AssistantDeps {
  /** `voice.ai_mode`. */
  mode: AiMode;
  /** `voice.ai`. */
  config: AiConfig;
  ctx: Pick<ModuleContext, "paths" | "env" | "store" | "secrets" | "openDb" | "log">;
  /** Speaks the answers of the text backends (Claude CLI, Anthropic). */
  speech: SpeechOut;
  status: StatusSink;
  /** Listens without the key for a follow-up (and spoken yes/no); without it there is no auto-listen. */
  listen?: Listen;
  /** How tool calls under `confirm` are approved; default: a desktop notification, and a spoken yes/no when `listen` is given. */
  confirm?: Confirm;
  /** Plays the Realtime backend's audio (24 kHz mono); ai_mode realtime needs it here or per turn. */
  openPcmOut?: OpenPcmOut;
  /** For tests: `ws` options for the Realtime socket (a private CA). */
  realtimeWsOptions?: ClientOptions;
}

/** A Realtime question being spoken: the socket opens at key press, audio streams while held. */
export interface PushToTalkTurn {
  /** Mono s16le at the turn's input rate (16 kHz from the recorder by default). */
  append(pcm: Buffer): void;
  /** Released too early, or cancelled: the audio is thrown away. */
  discard(): Promise<void>;
  /** Key released: the answer is played; resolves when it is over (or interrupted). */
  finish(options?: { signal?: AbortSignal }): Promise<RealtimeTurnResult>;
}

export interface AskOptions {
  /** Aborting it is the interrupt key: speech and answer stop at once. */
  signal?: AbortSignal;
  /** Answer with this backend instead of voice.ai_mode. */
  mode?: AiMode;
  /** This turn's way to hear a follow-up (the pipeline's TurnContext.listen); default: deps.listen. */
  listen?: Listen;
  /** This turn's player for Realtime audio (TurnContext.openSink); default: deps.openPcmOut. */
  openPcmOut?: OpenPcmOut;
}

/** What the voice module drives: questions in, spoken answers out, with tools, memory and audit. */
export interface Assistant {
  readonly mode: AiMode;
  readonly memory: MemoryStore;
  readonly audit: AuditLog;
  /** Every backend's availability; also published as the `voice.ai_backend` entity. */
  availability(): Promise<Record<AiMode, Availability>>;
  /** A transcribed question, answered out loud (Realtime: as a typed question). */
  ask(question: string, options?: AskOptions): Promise<TurnRecord[]>;
  /** Realtime push-to-talk: call at key press, append audio while held, finish on release. */
  startRealtimeTurn(inputRate?: number): PushToTalkTurn;
  /** The interrupt key: stops whatever the assistant is saying or doing. Returns whether anything was running. */
  interrupt(): boolean;
  /** Forgets the conversation (not the memory). */
  reset(): void;
  importMemory(file?: string, options?: { force?: boolean }): Promise<ImportResult>;
  close(): Promise<void>;
}

/**
 * Builds the assistant: its database (memory and audit), the tools behind the policy
 * gate, and the backends, each made when first used so a missing key or binary only
 * matters for the backend that needs it. The old assistant's memory.json is imported
 * on the first start that finds it.
 */
export async function createAssistant(deps: AssistantDeps): Promise<Assistant> {
  const { config, ctx } = deps;
  const db = await ctx.openDb(AI_DB_FILE, AI_MIGRATIONS);
  const memory = new MemoryStore(db);
  const audit = new AuditLog(db, {
    store: ctx.store,
    recent: config.audit.recent,
    retentionDays: config.audit.retention_days,
  });
  audit.define();
  const instructions = () => systemInstructions(config.instructions);
  const claudePath = await claudeBinary(config, ctx);
  // One Claude Code session serves ai_mode claude and the ask_claude tool of the other backends.
  const claude = claudePath
    ? new ClaudeCliBackend({
        binary: claudePath,
        settings: config.claude,
        sessionDir: claudeSessionDir(config, ctx.paths),
        env: ctx.env,
        instructions,
        audit,
      })
    : undefined;
  const executor = new ToolExecutor({
    tools: [
      ...systemTools({
        config,
        home: ctx.paths.home,
        env: ctx.env,
        secrets: secretPlaces(ctx.secrets.specs(), ctx.paths),
      }),
      askClaudeTool(() => claude),
      ...memoryTools(memory, { recallLimit: config.memory.recall_limit }),
      ...deskhubTools(ctx.store, config),
    ],
    policy: config.tools,
    confirm:
      deps.confirm ??
      (config.confirm_by_voice && deps.listen
        ? firstAnswer(notificationConfirm(ctx.env), spokenConfirm(deps.speech, deps.listen))
        : notificationConfirm(ctx.env)),
    confirmTimeoutMs: config.confirm_timeout_seconds * 1000,
    audit,
  });

  const importFile = expandHome(config.memory.import_file, ctx.paths);
  if (existsSync(importFile)) {
    try {
      const result = await importMemoryFile(importFile, memory, db);
      if (!result.already) ctx.log.info({ ...result }, "imported the old assistant's memories");
    } catch (error) {
      ctx.log.warn(
        { file: importFile, error: errorMessage(error) },
        "could not import the old assistant's memories",
      );
    }
  }

  const backends = backendFactory({
    config,
    ctx,
    mode: deps.mode,
    claude,
    executor,
    instructions,
    openPcmOut: deps.openPcmOut,
    realtimeWsOptions: deps.realtimeWsOptions,
  });
  let current: AbortController | undefined;
  let closed = false;

  /** One controller per exchange: the interrupt key and the caller's signal both abort it. */
  const begin = (signal: AbortSignal | undefined): AbortController => {
    current?.abort();
    const controller = new AbortController();
    if (signal) {
      if (signal.aborted) controller.abort();
      else signal.addEventListener("abort", () => controller.abort(), { once: true });
    }
    current = controller;
    return controller;
  };
  const end = (controller: AbortController) => {
    if (current === controller) current = undefined;
  };

  return {
    mode: deps.mode,
    memory,
    audit,
    async availability() {
      const all = await checkBackends({ config, paths: ctx.paths, env: ctx.env, secrets: ctx.secrets });
      publishAvailability(ctx.store, deps.mode, all);
      return all;
    },
    async ask(question, options = {}) {
      const mode = options.mode ?? deps.mode;
      const controller = begin(options.signal);
      try {
        if (mode === "realtime") {
          const started = performance.now();
          const backend = await backends.realtime().catch((error: unknown) => {
            deps.status("error", errorMessage(error));
            throw error;
          });
          const result = await backend.ask(question, {
            signal: controller.signal,
            status: deps.status,
            listen: options.listen ?? deps.listen,
            openPcmOut: options.openPcmOut,
            followUpMs: config.follow_up_seconds * 1000,
          });
          return [
            {
              question,
              answer: result.answer,
              stop: result.stop,
              toolCalls: result.toolCalls,
              firstSpeechMs: undefined,
              ms: Math.round(performance.now() - started),
              followUp: false,
            },
          ];
        }
        deps.status("processing");
        const backend = await backends.text(mode).catch((error: unknown) => {
          deps.status("error", errorMessage(error));
          throw error;
        });
        return await converse(question, {
          backend,
          speech: deps.speech,
          status: deps.status,
          listen: options.listen ?? deps.listen,
          followUpMs: config.follow_up_seconds * 1000,
          flushMs: config.sentence_flush_ms,
          signal: controller.signal,
        });
      } finally {
        end(controller);
      }
    },
    startRealtimeTurn(inputRate = 16_000) {
      const turn = new LazyTurn(backends.realtime(), inputRate);
      return {
        append: (pcm) => turn.append(pcm),
        discard: () => turn.discard(),
        async finish(options = {}) {
          const controller = begin(options.signal);
          try {
            await turn.ready().catch((error: unknown) => {
              deps.status("error", errorMessage(error));
              throw error;
            });
            return await turn.finish({
              signal: controller.signal,
              status: deps.status,
              listen: deps.listen,
              followUpMs: config.follow_up_seconds * 1000,
            });
          } finally {
            end(controller);
          }
        },
      };
    },
    interrupt() {
      const running = current !== undefined;
      current?.abort();
      current = undefined;
      return running;
    },
    reset() {
      backends.reset();
    },
    importMemory(file = importFile, options = {}) {
      return importMemoryFile(expandHome(file, ctx.paths), memory, db, options);
    },
    async close() {
      if (closed) return;
      closed = true;
      current?.abort();
      backends.close();
      db.close();
      if (ctx.store.get(BACKEND_ENTITY)) ctx.store.set(BACKEND_ENTITY, null, {});
    },
  };
}
