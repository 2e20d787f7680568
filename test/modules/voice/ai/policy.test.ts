import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { DatabaseSync } from "../../../../src/core/db.ts";
import { registerSecret } from "../../../../src/core/redact.ts";
import { AiConfig } from "../../../../src/modules/voice/ai/config.ts";
import { notificationConfirm } from "../../../../src/modules/voice/ai/confirm.ts";
import { AUDIT_ENTITY, AuditLog } from "../../../../src/modules/voice/ai/store/audit.ts";
import { MemoryStore } from "../../../../src/modules/voice/ai/store/memory.ts";
import { AI_DB_FILE, AI_MIGRATIONS } from "../../../../src/modules/voice/ai/store/migrations.ts";
import { deskhubTools } from "../../../../src/modules/voice/ai/tools/deskhub-tools.ts";
import { ToolExecutor } from "../../../../src/modules/voice/ai/tools/executor.ts";
import { memoryTools } from "../../../../src/modules/voice/ai/tools/memory-tools.ts";
import { systemTools } from "../../../../src/modules/voice/ai/tools/system-tools.ts";
import {
  type NotificationServer,
  startNotificationServer,
} from "../../../fixtures/calendar/notification-server.ts";
import { type PrivateBus, startSessionBus } from "../../../helpers/dbus.ts";
import { type AiTestContext, aiContext } from "./support.ts";

let t: AiTestContext;
let bus: PrivateBus;
let server: NotificationServer;
let db: DatabaseSync;
let audit: AuditLog;
let executor: ToolExecutor;
const hassCalls: unknown[] = [];

const signal = () => new AbortController().signal;

beforeAll(async () => {
  t = aiContext();
  bus = await startSessionBus();
  // The person at the desk: approves "echo hello", denies "echo no", ignores everything else.
  server = await startNotificationServer(bus.address, {
    respond: (n) =>
      n.body.includes("run: echo hello") ? "approve" : n.body.includes("run: echo no") ? "deny" : undefined,
  });
  const config = AiConfig.parse({
    run_command: { allow: ["echo", "date"] },
    tools: { run_command: "confirm", write_file: "deny" },
    confirm_timeout_seconds: 1,
  });
  db = await t.ctx.openDb(AI_DB_FILE, AI_MIGRATIONS);
  audit = new AuditLog(db, { store: t.store, recent: 20, retentionDays: 30 });
  audit.define();
  // Home Assistant's module puts this command in the store; the assistant only ever sees the store.
  t.store.command({
    id: "homeassistant.call",
    summary: "Call a Home Assistant service",
    args: z.object({
      service: z.string(),
      target: z.object({ entity_id: z.unknown() }).optional(),
      data: z.unknown().optional(),
    }),
    handler: (args) => {
      hassCalls.push(args);
      return { ok: true };
    },
  });
  executor = new ToolExecutor({
    tools: [
      ...systemTools({ config, home: t.sandbox.home, env: t.sandbox.env }),
      ...memoryTools(new MemoryStore(db), { recallLimit: 5 }),
      ...deskhubTools(t.store, config),
    ],
    policy: config.tools,
    confirm: notificationConfirm({ ...t.sandbox.env, DBUS_SESSION_BUS_ADDRESS: bus.address }),
    confirmTimeoutMs: config.confirm_timeout_seconds * 1000,
    audit,
  });
});

afterAll(async () => {
  db?.close();
  await server?.stop();
  await bus?.stop();
  t?.sandbox.cleanup();
});

describe("the policy gate", () => {
  it("runs a confirmed command once the person clicks Approve on the notification", async () => {
    const outcome = await executor.execute(
      { name: "run_command", input: { command: "echo hello" } },
      { backend: "anthropic", signal: signal() },
    );
    expect(outcome).toEqual({
      output: "exit code 0\nstdout:\nhello\n",
      isError: false,
      decision: "approved",
    });
    const shown = server.received.find((n) => n.body.includes("echo hello"))!;
    expect(shown).toMatchObject({
      summary: "Allow the assistant to use run_command?",
      actions: { approve: "Approve", deny: "Deny" },
    });
  });

  it("treats no answer within the timeout as no, withdraws the question, and tells the model", async () => {
    const outcome = await executor.execute(
      { name: "run_command", input: { command: "date" } },
      { backend: "anthropic", signal: signal() },
    );
    expect(outcome.decision).toBe("timeout");
    expect(outcome.isError).toBe(true);
    expect(outcome.output).toMatch(/did not approve "run: date" within 1 second, which counts as no/);
    const asked = server.received.find((n) => n.body.includes("run: date"))!;
    expect(server.closed.map((c) => c.id)).toContain(asked.id);
  });

  it("tells the model when the person clicked Deny, and runs nothing", async () => {
    const outcome = await executor.execute(
      { name: "run_command", input: { command: "echo no" } },
      { backend: "anthropic", signal: signal() },
    );
    expect(outcome).toMatchObject({ decision: "denied", isError: true });
    expect(outcome.output).toMatch(/The user denied this tool call, so nothing was done: "run: echo no"/);
  });

  it("refuses what the safety rules forbid without asking anyone", async () => {
    const before = server.received.length;
    const outcome = await executor.execute(
      { name: "run_command", input: { command: "sudo rm -rf /" } },
      { backend: "realtime", signal: signal() },
    );
    expect(outcome).toMatchObject({
      decision: "refused",
      isError: true,
      output: expect.stringMatching(/^Refused by a safety rule.*root/),
    });
    expect(server.received.length).toBe(before);
  });

  it("does not offer a tool the policy denies, and denies it if the model calls it anyway", async () => {
    const offered = executor.definitions().map((d) => d.name);
    expect(offered).toEqual(
      expect.arrayContaining(["run_command", "read_file", "remember", "recall", "home_assistant"]),
    );
    expect(offered).not.toContain("write_file");
    expect(offered).not.toContain("player"); // no media module has registered commands
    const outcome = await executor.execute(
      { name: "write_file", input: { path: "~/Documents/x.txt", content: "x" } },
      { backend: "anthropic", signal: signal() },
    );
    expect(outcome).toMatchObject({
      decision: "policy_denied",
      output: expect.stringMatching(/settings deny the write_file tool/),
    });
  });

  it("rejects bad arguments with the schema's words", async () => {
    const outcome = await executor.execute(
      { name: "home_assistant", input: { service: "turn on the lights" } },
      { backend: "anthropic", signal: signal() },
    );
    expect(outcome).toMatchObject({
      decision: "invalid",
      output: expect.stringMatching(/service: domain\.service/),
    });
  });

  it("calls Home Assistant through the store, and always asks first for locks", async () => {
    const light = await executor.execute(
      { name: "home_assistant", input: { service: "light.turn_off", entity_id: "light.office" } },
      { backend: "anthropic", signal: signal() },
    );
    expect(light).toMatchObject({ decision: "allowed", output: '{"ok":true}' });
    expect(hassCalls).toEqual([{ service: "light.turn_off", target: { entity_id: "light.office" } }]);
    const lock = await executor.execute(
      { name: "home_assistant", input: { service: "lock.unlock", entity_id: "lock.front_door" } },
      { backend: "anthropic", signal: signal() },
    );
    expect(lock.decision).toBe("timeout");
    expect(hassCalls).toHaveLength(1);
  });

  it("writes every call to the audit log and the voice.ai_audit entity, secrets scrubbed", async () => {
    registerSecret("hunter2-wifi-password");
    await executor.execute(
      { name: "remember", input: { fact: "The wifi password is hunter2-wifi-password" } },
      { backend: "anthropic", signal: signal() },
    );
    const entries = audit.recent();
    expect(entries.map((e) => `${e.tool}:${e.decision}`)).toEqual([
      "remember:allowed",
      "home_assistant:timeout",
      "home_assistant:allowed",
      "home_assistant:invalid",
      "write_file:policy_denied",
      "run_command:refused",
      "run_command:denied",
      "run_command:timeout",
      "run_command:approved",
    ]);
    expect(JSON.stringify(entries)).not.toContain("hunter2-wifi-password");
    expect(entries[0]!.args).toEqual({ fact: "The wifi password is [redacted]" });
    const entity = t.store.get(AUDIT_ENTITY)!;
    expect(entity.state?.value).toBe("remember: allowed");
    const calls = entity.state?.attributes.calls as Array<Record<string, unknown>>;
    expect(calls[5]).toMatchObject({
      tool: "run_command",
      decision: "refused",
      ok: false,
      args: { command: "sudo rm -rf /" },
    });
    expect(calls[8]).toMatchObject({
      tool: "run_command",
      decision: "approved",
      ok: true,
      result: "exit code 0\nstdout:\nhello\n",
    });
  });

  it("never hands the model a secret deskhub knows, whichever tool turned it up", async () => {
    const recalled = await executor.execute(
      { name: "recall", input: { query: "wifi password" } },
      { backend: "anthropic", signal: signal() },
    );
    expect(recalled.output).toMatch(/The wifi password is \[redacted\]/);
    expect(recalled.output).not.toContain("hunter2-wifi-password");
  });
});
