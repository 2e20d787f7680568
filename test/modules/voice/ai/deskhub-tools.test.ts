import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { DatabaseSync } from "../../../../src/core/db.ts";
import { ClaudeCliBackend } from "../../../../src/modules/voice/ai/backends/claude-cli/backend.ts";
import { AiConfig } from "../../../../src/modules/voice/ai/config.ts";
import { AuditLog } from "../../../../src/modules/voice/ai/store/audit.ts";
import { AI_DB_FILE, AI_MIGRATIONS } from "../../../../src/modules/voice/ai/store/migrations.ts";
import { askClaudeTool } from "../../../../src/modules/voice/ai/tools/ask-claude.ts";
import { deskhubTools } from "../../../../src/modules/voice/ai/tools/deskhub-tools.ts";
import { ToolExecutor } from "../../../../src/modules/voice/ai/tools/executor.ts";
import { repoRoot } from "../../../helpers/sandbox.ts";
import { type AiTestContext, aiContext, answering } from "./support.ts";

let t: AiTestContext;
let db: DatabaseSync;
let executor: ToolExecutor;
const paused: string[] = [];
const run = (name: string, input: unknown) =>
  executor.execute({ name, input }, { backend: "anthropic", signal: new AbortController().signal });

beforeAll(async () => {
  t = aiContext();
  db = await t.ctx.openDb(AI_DB_FILE, AI_MIGRATIONS);
  const config = AiConfig.parse({});
  // What the media and calendar modules put in the store; the assistant only reads the store.
  t.store.command({
    id: "media.pause",
    summary: "Pause playback",
    args: z.object({}),
    handler: () => {
      paused.push("paused");
      return "paused";
    },
  });
  t.store.command({
    id: "media.volume",
    summary: "Set the volume (0-100)",
    args: z.object({ level: z.number().min(0).max(100) }),
    handler: ({ level }) => `volume ${level}`,
  });
  t.store.define({ id: "calendar.next_event", kind: "sensor", name: "Next event" });
  t.store.set("calendar.next_event", "Parent-teacher meeting", {
    start: "2025-03-04T18:00:00+01:00",
    calendar: "school",
  });
  // Claude Code, replaying a real recording (test/fixtures/claude-cli).
  const binary = join(t.sandbox.root, "claude");
  writeFileSync(
    join(t.sandbox.root, "plan.json"),
    JSON.stringify({ files: ["weather-complete.jsonl"], lineDelayMs: 1 }),
  );
  writeFileSync(
    binary,
    `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, "test/fixtures/claude-cli/replay.ts")}" "$@"\n`,
  );
  chmodSync(binary, 0o755);
  const claude = new ClaudeCliBackend({
    binary,
    settings: config.claude,
    sessionDir: join(t.sandbox.root, "claude-session"),
    env: { ...t.sandbox.env, CLAUDE_REPLAY_DIR: t.sandbox.root },
    instructions: () => "",
  });
  executor = new ToolExecutor({
    tools: [...deskhubTools(t.store, config), askClaudeTool(() => claude)],
    policy: config.tools,
    confirm: answering("deny"),
    confirmTimeoutMs: 1000,
    audit: new AuditLog(db, { recent: 20, retentionDays: 30 }),
  });
});
afterAll(() => {
  db.close();
  t.sandbox.cleanup();
});

describe("deskhub's own tools", () => {
  it("offers the player with the actions the media module registered, and runs them", async () => {
    const player = executor.definitions().find((d) => d.name === "player")!;
    expect(player.description).toMatch(/pause \(Pause playback\); volume \(Set the volume \(0-100\)\)/);
    expect(await run("player", { action: "pause" })).toMatchObject({ output: "paused", isError: false });
    expect(paused).toEqual(["paused"]);
    expect(await run("player", { action: "volume", args: { level: 30 } })).toMatchObject({
      output: "volume 30",
    });
    expect(await run("player", { action: "eject" })).toMatchObject({
      decision: "refused",
      output: expect.stringMatching(/no player action "eject"; known: media.pause, media.volume/),
    });
    // The command's own schema still guards its arguments.
    expect(await run("player", { action: "volume", args: { level: 300 } })).toMatchObject({
      isError: true,
      output: expect.stringMatching(/bad arguments for media\.volume: level/),
    });
  });

  it("reads what the calendar shows", async () => {
    const outcome = await run("calendar", {});
    expect(JSON.parse(outcome.output)).toEqual([
      {
        id: "calendar.next_event",
        name: "Next event",
        value: "Parent-teacher meeting",
        start: "2025-03-04T18:00:00+01:00",
        calendar: "school",
      },
    ]);
  });

  it("asks Claude Code and returns its answer as the tool result", async () => {
    const outcome = await run("ask_claude", { question: "what is the weather like tomorrow" });
    expect(outcome).toMatchObject({
      isError: false,
      output: "Tomorrow will be sunny, with a high of 21 degrees. Shall I remind you to bring sunglasses?",
    });
  });
});

describe("the audit log", () => {
  it("deletes entries older than the retention", async () => {
    let now = Date.parse("2025-01-01T00:00:00Z");
    const audit = new AuditLog(db, { recent: 5, retentionDays: 30, now: () => now });
    audit.record({
      backend: "anthropic",
      tool: "recall",
      args: { query: "old" },
      decision: "allowed",
      ok: true,
    });
    now += 31 * 86_400_000;
    audit.record({
      backend: "anthropic",
      tool: "recall",
      args: { query: "new" },
      decision: "allowed",
      ok: true,
    });
    const queries = audit.recent(100).map((e) => (e.args as { query?: string }).query);
    expect(queries).toContain("new");
    expect(queries).not.toContain("old");
  });
});
