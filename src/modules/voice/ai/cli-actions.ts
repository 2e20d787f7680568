import { ExitCode, UserError } from "../../../core/errors.ts";
import type { CliApp } from "../../../core/module.ts";
import { expandHome } from "../../../core/paths.ts";
import { createAssistant } from "./assistant.ts";
import { checkBackends } from "./availability.ts";
import type { PickAi } from "./cli.ts";
import type { AiMode } from "./config.ts";
import { AuditLog } from "./store/audit.ts";
import { MemoryStore } from "./store/memory.ts";
import { importMemoryFile } from "./store/memory-import.ts";
import { AI_DB_FILE, AI_MIGRATIONS } from "./store/migrations.ts";

async function openStores<C>(app: CliApp<C>, pick: PickAi<C>) {
  const { ctx, config } = await app.load();
  const { ai } = pick(config);
  const db = await ctx.openDb(AI_DB_FILE, AI_MIGRATIONS);
  return { ctx, ai, db, memory: new MemoryStore(db) };
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export async function ask<C>(
  app: CliApp<C>,
  pick: PickAi<C>,
  question: string,
  options: { mode?: AiMode; json?: boolean },
): Promise<void> {
  const { ctx, config } = await app.load();
  const { mode, ai } = pick(config);
  const chosen = options.mode ?? mode;
  const assistant = await createAssistant({
    mode: chosen,
    config: ai,
    ctx,
    // Printed as it streams: a script (or a person) reads the first sentence early.
    speech: {
      async speak(sentence) {
        if (!options.json) app.output.line(sentence);
      },
    },
    status: () => {},
    openPcmOut: async (format) => {
      const { openPlayer } = await import("../../../desktop/audio/playback.ts");
      return openPlayer(format, { env: ctx.env });
    },
  });
  const interrupt = () => assistant.interrupt();
  process.once("SIGINT", interrupt);
  try {
    const turns = await assistant.ask(question);
    if (options.json) app.output.json({ mode: chosen, turns });
    else if (chosen === "realtime") for (const turn of turns) app.output.line(turn.answer);
  } finally {
    process.off("SIGINT", interrupt);
    await assistant.close();
  }
}

export async function backends<C>(
  app: CliApp<C>,
  pick: PickAi<C>,
  options: { json?: boolean },
): Promise<void> {
  const { ctx, config } = await app.load();
  const { mode, ai } = pick(config);
  const all = await checkBackends({ config: ai, paths: ctx.paths, env: ctx.env, secrets: ctx.secrets });
  if (options.json) return app.output.json({ mode, backends: all });
  for (const [name, state] of Object.entries(all)) {
    const chosen = name === mode ? " (voice.ai_mode)" : "";
    app.output.line(
      state.available
        ? `${name}${chosen}: ready, ${state.detail}`
        : `${name}${chosen}: unavailable, needs ${state.missing}; ${state.how}`,
    );
  }
}

export async function audit<C>(
  app: CliApp<C>,
  pick: PickAi<C>,
  options: { limit: number; json?: boolean },
): Promise<void> {
  const { ai, db } = await openStores(app, pick);
  try {
    const log = new AuditLog(db, { recent: options.limit, retentionDays: ai.audit.retention_days });
    const entries = log.recent(options.limit);
    if (options.json) return app.output.json(entries);
    if (entries.length === 0) return app.output.line("no tool calls yet");
    for (const e of entries.reverse()) {
      const args = JSON.stringify(e.args);
      app.output.line(
        `${new Date(e.at).toISOString()}  ${e.backend.padEnd(9)} ${e.tool.padEnd(16)} ${e.decision.padEnd(13)} ${args.length > 80 ? `${args.slice(0, 79)}…` : args}${e.reason ? `  (${e.reason})` : ""}`,
      );
    }
  } finally {
    db.close();
  }
}

export async function listMemories<C>(
  app: CliApp<C>,
  pick: PickAi<C>,
  query: string,
  options: { limit: number; json?: boolean },
): Promise<void> {
  const { memory, db } = await openStores(app, pick);
  try {
    const found = query.trim() ? memory.recall(query, options.limit) : memory.recent(options.limit);
    if (options.json) return app.output.json(found);
    if (found.length === 0)
      return app.output.line(query ? `nothing remembered about "${query}"` : "no memories yet");
    for (const m of found)
      app.output.line(
        `${String(m.id).padStart(4)}  ${day(m.createdAt)}  ${m.text}${m.tags ? `  [${m.tags}]` : ""}`,
      );
  } finally {
    db.close();
  }
}

export async function addMemory<C>(
  app: CliApp<C>,
  pick: PickAi<C>,
  fact: string,
  options: { json?: boolean },
): Promise<void> {
  const { memory, db } = await openStores(app, pick);
  try {
    const result = memory.remember(fact, { source: "cli" });
    if (options.json) return app.output.json(result);
    app.output.line(result.created ? `remembered as #${result.id}` : `already known as #${result.id}`);
  } finally {
    db.close();
  }
}

export async function forgetMemory<C>(app: CliApp<C>, pick: PickAi<C>, id: number): Promise<void> {
  const { memory, db } = await openStores(app, pick);
  try {
    if (!memory.forget(id)) {
      throw new UserError(`there is no memory #${id}`, {
        code: ExitCode.dataErr,
        hint: "see `deskhub voice memory list`",
      });
    }
    app.output.line(`forgot #${id}`);
  } finally {
    db.close();
  }
}

export async function importMemories<C>(
  app: CliApp<C>,
  pick: PickAi<C>,
  file: string | undefined,
  options: { force?: boolean; json?: boolean },
): Promise<void> {
  const { ctx, ai, memory, db } = await openStores(app, pick);
  try {
    const path = expandHome(file ?? ai.memory.import_file, ctx.paths);
    const result = await importMemoryFile(path, memory, db, { force: options.force === true });
    if (options.json) return app.output.json(result);
    if (result.already) {
      app.output.line(`${path} was imported before; nothing to do (--force imports it again)`);
      return;
    }
    app.output.line(
      `imported ${result.imported} memories from ${path} (${result.duplicates} already known, ${result.skipped} without text)`,
    );
    app.output.line(`read it as ${result.assumed}`);
  } finally {
    db.close();
  }
}
