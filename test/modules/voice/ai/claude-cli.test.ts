import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Assistant, createAssistant } from "../../../../src/modules/voice/ai/assistant.ts";
import { claudeArgv } from "../../../../src/modules/voice/ai/backends/claude-cli/argv.ts";
import {
  type ClaudeEvent,
  ClaudeStreamParser,
} from "../../../../src/modules/voice/ai/backends/claude-cli/stream-json.ts";
import { AiConfig } from "../../../../src/modules/voice/ai/config.ts";
import { repoRoot } from "../../../helpers/sandbox.ts";
import { type AiTestContext, aiContext, recordingSpeech } from "./support.ts";

const fixtures = join(repoRoot, "test/fixtures/claude-cli");
const recording = (name: string) => readFileSync(join(fixtures, name), "utf8");

function parse(text: string, chunk = 7): ClaudeEvent[] {
  const parser = new ClaudeStreamParser();
  const events: ClaudeEvent[] = [];
  for (let i = 0; i < text.length; i += chunk) events.push(...parser.push(text.slice(i, i + chunk)));
  events.push(...parser.end());
  return events;
}

const spoken = (events: ClaudeEvent[]) =>
  events
    .filter((e) => e.kind === "text")
    .map((e) => (e.kind === "text" ? e.delta : ""))
    .join("");

describe("the Claude Code command line", () => {
  it("is `claude -c -p QUESTION --output-format stream-json --verbose` plus the configured permissions", () => {
    const settings = AiConfig.parse({}).claude;
    expect(
      claudeArgv("/usr/bin/claude", "what is the weather like tomorrow", settings, {
        continueSession: true,
        systemPrompt: "Be brief.",
      }),
    ).toEqual([
      "/usr/bin/claude",
      "-c",
      "-p",
      "what is the weather like tomorrow",
      "--output-format",
      "stream-json",
      "--verbose",
      "--include-partial-messages",
      "--permission-mode",
      "default",
      "--allowedTools",
      "Read,Grep,Glob,WebSearch,WebFetch",
      "--append-system-prompt",
      "Be brief.",
    ]);
    const custom = AiConfig.parse({
      claude: {
        permission_mode: "acceptEdits",
        allowed_tools: ["Bash(git log:*)", "Edit"],
        disallowed_tools: ["WebFetch"],
        model: "sonnet",
        partial_messages: false,
      },
    }).claude;
    expect(claudeArgv("claude", "-h is a question", custom, { continueSession: false })).toEqual([
      "claude",
      "-p",
      " -h is a question",
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "acceptEdits",
      "--allowedTools",
      "Bash(git log:*),Edit",
      "--disallowedTools",
      "WebFetch",
      "--model",
      "sonnet",
    ]);
  });
});

describe("stream-json recorded from Claude Code 2.1.197", () => {
  const answer = "Tomorrow will be sunny, with a high of 21 degrees. Shall I remind you to bring sunglasses?";

  it("takes the answer from partial-message deltas once, not again from the repeated assistant message", () => {
    const events = parse(recording("weather-partial.jsonl"));
    expect(events[0]).toMatchObject({
      kind: "init",
      permissionMode: "default",
      sessionId: expect.any(String),
    });
    expect(spoken(events)).toBe(answer);
    expect(events.filter((e) => e.kind === "text").length).toBeGreaterThan(5); // it really streamed
    expect(events.at(-1)).toMatchObject({
      kind: "result",
      subtype: "success",
      isError: false,
      result: answer,
      denials: [],
    });
    expect(events.some((e) => e.kind === "unparsed")).toBe(false);
  });

  it("takes the answer from the assistant message when there are no partial messages", () => {
    const events = parse(recording("weather-complete.jsonl"), 50);
    expect(spoken(events)).toBe(answer);
    expect(events.filter((e) => e.kind === "text")).toHaveLength(1);
  });

  it("reports tool uses, their results and what the permission mode refused", () => {
    const events = parse(recording("notes-tools.jsonl"), 13);
    const tools = events.filter((e) => e.kind === "tool_use");
    expect(tools).toEqual([
      { kind: "tool_use", id: expect.any(String), name: "Read", input: { file_path: "/SESSION/notes.txt" } },
      {
        kind: "tool_use",
        id: expect.any(String),
        name: "Bash",
        input: { command: "rm /SESSION/notes.txt", description: "Delete the notes file" },
      },
    ]);
    const results = events.filter((e) => e.kind === "tool_result");
    expect(results.map((r) => r.kind === "tool_result" && [r.isError, r.content.slice(0, 20)])).toEqual([
      [false, "1\tbuy milk\n2\tcall th"],
      [true, "rm in '/SESSION/note"],
    ]);
    const result = events.at(-1);
    expect(result).toMatchObject({
      kind: "result",
      denials: [{ tool: "Bash", input: { command: "rm /SESSION/notes.txt" } }],
    });
    expect(spoken(events)).toBe(
      "Let me read the file first.It says to buy milk and call the plumber. Now I'll delete it.I was not allowed to delete the file, so it is still there. Do you want to delete it yourself?",
    );
  });
});

describe("the Claude CLI backend", () => {
  let t: AiTestContext;
  let assistant: Assistant | undefined;
  afterEach(async () => {
    await assistant?.close();
    t?.sandbox.cleanup();
  });

  /** A `claude` on disk that replays recordings; returns where it logs its calls. */
  function fakeClaude(
    files: string[],
    lineDelayMs = 15,
  ): { binary: string; calls: () => Array<Record<string, unknown>> } {
    const dir = t.sandbox.root;
    const binary = join(dir, "claude");
    writeFileSync(join(dir, "plan.json"), JSON.stringify({ files, lineDelayMs }));
    writeFileSync(binary, `#!/bin/sh\nexec "${process.execPath}" "${join(fixtures, "replay.ts")}" "$@"\n`);
    chmodSync(binary, 0o755);
    return {
      binary,
      calls: () =>
        readFileSync(join(dir, "calls.jsonl"), "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
    };
  }

  it("speaks while Claude Code is still answering, and continues the same session next time", async () => {
    t = aiContext();
    t.sandbox.env.CLAUDE_REPLAY_DIR = t.sandbox.root;
    const cli = fakeClaude(["continue-1.jsonl", "continue-2.jsonl"]);
    const speech = recordingSpeech();
    const heard = ["yes please", ""];
    assistant = await createAssistant({
      mode: "claude",
      config: AiConfig.parse({ claude: { binary: cli.binary } }),
      ctx: t.ctx,
      speech,
      status: t.status,
      listen: async () => heard.shift() ?? "",
    });
    const turns = await assistant.ask("what is the weather like tomorrow");
    expect(turns.map((x) => x.answer)).toEqual([
      "Tomorrow will be sunny, with a high of 21 degrees. Shall I remind you to bring sunglasses?",
      "Okay. I will remind you at 8 a.m. tomorrow.",
    ]);
    expect(speech.said.map((s) => s.sentence)).toEqual([
      "Tomorrow will be sunny, with a high of 21 degrees.",
      "Shall I remind you to bring sunglasses?",
      "Okay.",
      "I will remind you at 8 a.m. tomorrow.",
    ]);
    const [first, second] = cli.calls();
    const session = join(t.sandbox.env.XDG_DATA_HOME!, "deskhub/claude-session");
    expect(first).toMatchObject({ cwd: session });
    expect((first!.argv as string[]).slice(0, 5)).toEqual([
      "-p",
      "what is the weather like tomorrow",
      "--output-format",
      "stream-json",
      "--verbose",
    ]);
    expect((second!.argv as string[]).slice(0, 3)).toEqual(["-c", "-p", "yes please"]);
    // The first sentence was spoken before the CLI had finished printing its answer.
    const firstSpoken = performance.timeOrigin + speech.said[0]!.at;
    expect(firstSpoken).toBeLessThan(first!.exited as number);
    expect(t.statuses).toEqual(["processing", "speaking", "listening", "processing", "speaking", "idle"]);
  });

  it("writes the tools Claude Code used, and the ones its permissions refused, to the audit log", async () => {
    t = aiContext();
    t.sandbox.env.CLAUDE_REPLAY_DIR = t.sandbox.root;
    const cli = fakeClaude(["notes-tools.jsonl"], 2);
    assistant = await createAssistant({
      mode: "claude",
      config: AiConfig.parse({ claude: { binary: cli.binary }, follow_up_seconds: 0 }),
      ctx: t.ctx,
      speech: recordingSpeech(),
      status: t.status,
    });
    await assistant.ask("read notes.txt and then delete it");
    const entries = assistant.audit.recent().reverse();
    expect(entries.map((e) => [e.backend, e.tool, e.decision, e.ok])).toEqual([
      ["claude", "claude:Read", "claude", true],
      ["claude", "claude:Bash", "claude_denied", false],
    ]);
    expect(entries[1]!.reason).toBe("not allowed by permission mode default");
  });

  it("stops Claude Code at the interrupt", async () => {
    t = aiContext();
    t.sandbox.env.CLAUDE_REPLAY_DIR = t.sandbox.root;
    const cli = fakeClaude(["notes-tools.jsonl"], 40);
    const speech = recordingSpeech();
    assistant = await createAssistant({
      mode: "claude",
      config: AiConfig.parse({ claude: { binary: cli.binary } }),
      ctx: t.ctx,
      speech,
      status: t.status,
    });
    const controller = new AbortController();
    const asking = assistant.ask("read notes.txt and then delete it", { signal: controller.signal });
    await new Promise<void>((resolve) => {
      const wrapped = speech.speak.bind(speech);
      speech.speak = (s, signal) => {
        resolve();
        return wrapped(s, signal);
      };
    });
    controller.abort();
    const [turn] = await asking;
    expect(turn!.stop).toBe("cancelled");
    expect(cli.calls()[0]).toMatchObject({ stopped: true });
    expect(speech.said.map((s) => s.sentence)).toEqual(["Let me read the file first."]);
  });

  it("says what is missing when the claude command is not installed", async () => {
    t = aiContext();
    assistant = await createAssistant({
      mode: "claude",
      config: AiConfig.parse({ claude: { binary: "claude-not-installed-here" } }),
      ctx: t.ctx,
      speech: recordingSpeech(),
      status: t.status,
    });
    const all = await assistant.availability();
    expect(all.claude).toEqual({
      available: false,
      missing: "the Claude Code CLI (claude-not-installed-here is not on PATH)",
      how: expect.stringMatching(/npm install -g @anthropic-ai\/claude-code/),
    });
    await expect(assistant.ask("hi")).rejects.toThrow("ai_mode claude needs the Claude Code CLI");
    expect(t.store.value("voice.ai_backend")).toBe("unavailable");
  });
});
