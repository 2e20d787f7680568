import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliApp, ModuleContext } from "../../../../src/core/module.ts";
import { registerAiCli } from "../../../../src/modules/voice/ai/cli.ts";
import { AiConfig, type AiMode } from "../../../../src/modules/voice/ai/config.ts";
import {
  type FakeAnthropic,
  lastToolResults,
  startFakeAnthropic,
} from "../../../fixtures/anthropic/server.ts";
import { type AiTestContext, aiContext } from "./support.ts";

const KEY = "sk-ant-api03-cli-000000000000000000";
let fake: FakeAnthropic;
let t: AiTestContext;
let lines: string[];
let json: unknown[];

interface Section {
  ai_mode: AiMode;
  ai: AiConfig;
}

/** Runs `deskhub voice <args>` against the commands the assistant registers. */
async function voice(...args: string[]): Promise<void> {
  lines = [];
  json = [];
  const ctx: ModuleContext = {
    ...t.ctx,
    module: "voice",
    nodeId: "testhost",
    hostname: "testhost",
    config: {},
  };
  const app: CliApp<Section> = {
    load: async () => ({
      ctx,
      config: {
        ai_mode: "anthropic",
        ai: AiConfig.parse({
          anthropic: { base_url: fake.url },
          run_command: { allow: ["echo"] },
          tools: { run_command: "allow" },
        }),
      },
    }),
    output: { line: (text) => lines.push(text), json: (value) => json.push(value) },
  };
  const program = new Command("deskhub").exitOverride();
  const cli = program.command("voice");
  registerAiCli(cli, app, (c) => ({ mode: c.ai_mode, ai: c.ai }));
  await program.parseAsync(["node", "deskhub", "voice", ...args]);
}

beforeAll(async () => {
  fake = await startFakeAnthropic({
    apiKey: KEY,
    model: (request) =>
      lastToolResults(request).length
        ? { content: [{ type: "text", text: "The command said hello. Anything else?" }] }
        : { content: [{ type: "tool_use", name: "run_command", input: { command: "echo hello" } }] },
  });
  t = aiContext({ ANTHROPIC_API_KEY: KEY });
});
afterAll(async () => {
  await fake.close();
  t.sandbox.cleanup();
});

describe("deskhub voice ask / backends / audit / memory", () => {
  it("asks and prints the answer sentence by sentence; the tool call shows in the audit", async () => {
    await voice("ask", "run", "echo", "hello");
    expect(lines).toEqual(["The command said hello.", "Anything else?"]);
    await voice("audit", "--json");
    expect((json[0] as Array<Record<string, unknown>>)[0]).toMatchObject({
      tool: "run_command",
      decision: "allowed",
      result: "exit code 0\nstdout:\nhello\n",
    });
    await voice("audit");
    expect(lines[0]).toMatch(/anthropic\s+run_command\s+allowed\s+\{"command":"echo hello"\}/);
  });

  it("lists the backends and what the missing ones need", async () => {
    await voice("backends");
    expect(lines).toEqual([
      expect.stringMatching(
        /^claude: unavailable, needs the Claude Code CLI \(claude is not on PATH\); npm install -g/,
      ),
      "anthropic (voice.ai_mode): ready, model claude-haiku-4-5, key from ANTHROPIC_API_KEY",
      expect.stringMatching(
        /^realtime: unavailable, needs an OpenAI API key; put it in environment variable OPENAI_API_KEY/,
      ),
    ]);
  });

  it("adds, searches, imports and forgets memories", async () => {
    await voice("memory", "add", "The spare key is under the blue pot");
    expect(lines).toEqual(["remembered as #1"]);
    const file = join(t.sandbox.root, "memory.json");
    writeFileSync(
      file,
      JSON.stringify({ memories: [{ text: "Leo's shoe size is 32", timestamp: 1717200000 }] }),
    );
    await voice("memory", "import", file);
    expect(lines[0]).toBe(`imported 1 memories from ${file} (0 already known, 0 without text)`);
    await voice("memory", "import", file);
    expect(lines[0]).toMatch(/was imported before/);
    await voice("memory", "list", "shoe");
    expect(lines).toEqual([expect.stringMatching(/^ {3}2 {2}2024-06-01 {2}Leo's shoe size is 32$/)]);
    await voice("memory", "forget", "1");
    await voice("memory", "list", "--json");
    expect((json[0] as Array<{ text: string }>).map((m) => m.text)).toEqual(["Leo's shoe size is 32"]);
    await expect(voice("memory", "forget", "99")).rejects.toThrow("there is no memory #99");
  });

  it("has a description and an example for every command", () => {
    const program = new Command("deskhub");
    const cli = program.command("voice");
    registerAiCli(cli, { load: async () => ({}) as never, output: { line() {}, json() {} } }, () => ({
      mode: "claude",
      ai: AiConfig.parse({}),
    }));
    const leaves = (c: Command): Command[] => (c.commands.length ? c.commands.flatMap(leaves) : [c]);
    const names: string[] = [];
    for (const command of leaves(cli)) {
      let help = "";
      command.configureOutput({ writeOut: (text) => (help += text) });
      command.outputHelp();
      names.push(command.name());
      expect(command.description(), command.name()).not.toBe("");
      expect(help, command.name()).toMatch(/Example:\n {2}deskhub voice /);
    }
    expect(names).toEqual(["ask", "backends", "audit", "list", "add", "forget", "import"]);
  });
});
