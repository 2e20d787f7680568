import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Assistant, createAssistant } from "../../../../src/modules/voice/ai/assistant.ts";
import { AiConfig } from "../../../../src/modules/voice/ai/config.ts";
import {
  type FakeAnthropic,
  lastToolResults,
  type MessagesRequest,
  type Reply,
  startFakeAnthropic,
  textOf,
} from "../../../fixtures/anthropic/server.ts";
import { waitFor } from "../../../helpers/sandbox.ts";
import { type AiTestContext, aiContext, answering, recordingSpeech } from "./support.ts";

const KEY = "sk-ant-api03-test-0123456789abcdef";
let fake: FakeAnthropic;
let script: (request: MessagesRequest) => Reply;
let t: AiTestContext;
const open: Assistant[] = [];

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey: KEY, tokensPerSecond: 200, model: (r) => script(r) });
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
  t?.sandbox.cleanup();
});

async function assistant(
  options: {
    key?: string;
    confirm?: ReturnType<typeof answering>;
    listen?: (ms: number) => Promise<string>;
    speechMs?: number;
  } = {},
) {
  t = aiContext({ ANTHROPIC_API_KEY: options.key ?? KEY });
  const speech = recordingSpeech(options.speechMs ?? 0);
  const listened: number[] = [];
  const a = await createAssistant({
    mode: "anthropic",
    config: AiConfig.parse({
      anthropic: { base_url: fake.url },
      run_command: { allow: ["echo"] },
      files: { write_roots: [] },
    }),
    ctx: t.ctx,
    speech,
    status: t.status,
    confirm: options.confirm ?? answering("deny"),
    ...(options.listen
      ? {
          listen: async (ms: number) => {
            listened.push(ms);
            return options.listen!(ms);
          },
        }
      : {}),
  });
  open.push(a);
  return { a, speech, listened };
}

describe("the Anthropic Messages API backend", () => {
  it("speaks the first sentence while the rest of the answer is still streaming", async () => {
    const answer =
      "Tomorrow will be mostly sunny. The high is twenty one degrees in the afternoon. A light breeze comes from the west. Rain returns on Sunday evening.";
    script = () => ({ content: [{ type: "text", text: answer }] });
    const { a, speech } = await assistant({ speechMs: 5 });
    const progress: number[] = [];
    const wrapped = speech.speak.bind(speech);
    speech.speak = (sentence, signal) => {
      progress.push(fake.textDeltasSent());
      return wrapped(sentence, signal);
    };
    const before = fake.textDeltasSent();
    const [turn] = await a.ask("what is the weather like tomorrow");
    const total = fake.textDeltasSent() - before;
    expect(speech.said.map((s) => s.sentence)).toEqual([
      "Tomorrow will be mostly sunny.",
      "The high is twenty one degrees in the afternoon.",
      "A light breeze comes from the west.",
      "Rain returns on Sunday evening.",
    ]);
    // The first sentence went to speech when only its words (and the next one's first) had arrived.
    expect(progress[0]! - before).toBeLessThan(total / 2);
    expect(turn).toMatchObject({ answer, stop: "end_turn", toolCalls: 0 });
    expect(t.statuses).toEqual(["processing", "speaking", "idle"]);
    const sent = fake.requests.at(-1)!;
    expect(sent.headers.authorization ?? `Bearer ${sent.headers["x-api-key"]}`).toBe(`Bearer ${KEY}`);
    expect(sent.body).toMatchObject({ model: "claude-haiku-4-5", stream: true, max_tokens: 1024 });
    expect(String(sent.body.system)).toMatch(/spoken aloud/);
  });

  it("runs a tool the model asks for and sends its result back as tool_result", async () => {
    script = (request) => {
      const results = lastToolResults(request);
      if (results.length === 0) {
        return {
          content: [
            { type: "text", text: "I'll note that." },
            {
              type: "tool_use",
              name: "remember",
              input: { fact: "Leo's football practice is on Thursdays", tags: ["leo"] },
            },
          ],
        };
      }
      return { content: [{ type: "text", text: `Done: ${String(results[0]!.content)}.` }] };
    };
    const { a, speech } = await assistant();
    const [turn] = await a.ask("remember that Leo has football on Thursdays");
    expect(turn!.toolCalls).toBe(1);
    expect(a.memory.recall("football")[0]!.text).toBe("Leo's football practice is on Thursdays");
    const second = fake.requests.at(-1)!.body;
    const result = lastToolResults(second)[0]!;
    expect(result).toMatchObject({ type: "tool_result", content: "remembered (memory #1)" });
    expect(result.is_error).toBeUndefined();
    expect(speech.said.map((s) => s.sentence)).toEqual(["I'll note that.", "Done: remembered (memory #1)."]);
    // Processing while the tool runs, between the two spoken parts.
    expect(t.statuses).toEqual(["processing", "speaking", "processing", "speaking", "idle"]);
  });

  it("tells the model when the person denied a tool, and the model says so", async () => {
    script = (request) => {
      const results = lastToolResults(request);
      if (results.length === 0) {
        return {
          content: [{ type: "tool_use", name: "run_command", input: { command: "echo cleaning up" } }],
        };
      }
      return {
        content: [
          { type: "text", text: results[0]!.is_error ? "I was not allowed to run that command." : "It ran." },
        ],
      };
    };
    const confirm = answering("deny");
    const { a, speech } = await assistant({ confirm });
    await a.ask("clean up my home folder");
    expect(confirm.asked).toEqual(["run: echo cleaning up"]);
    const told = lastToolResults(fake.requests.at(-1)!.body)[0]!;
    expect(told.is_error).toBe(true);
    expect(String(told.content)).toMatch(
      /The user denied this tool call, so nothing was done: "run: echo cleaning up"/,
    );
    expect(speech.said.map((s) => s.sentence)).toEqual(["I was not allowed to run that command."]);
    expect(a.audit.recent()[0]).toMatchObject({
      backend: "anthropic",
      tool: "run_command",
      decision: "denied",
    });
  });

  it("stops speech and the answer at the interrupt, and keeps only what was said", async () => {
    const long = Array.from(
      { length: 30 },
      (_, i) => `This is sentence number ${i + 1} of a long answer.`,
    ).join(" ");
    script = () => ({ content: [{ type: "text", text: long }] });
    const { a, speech } = await assistant({ speechMs: 30 });
    const spoke = new Promise<void>((resolve) => {
      const wrapped = speech.speak.bind(speech);
      speech.speak = (sentence, signal) => {
        if (speech.said.length === 1) resolve();
        return wrapped(sentence, signal);
      };
    });
    const abandonedBefore = fake.abandoned();
    const asking = a.ask("tell me a long story");
    await spoke;
    expect(a.interrupt()).toBe(true); // the interrupt key
    const [turn] = await asking;
    expect(a.interrupt()).toBe(false);
    expect(turn!.stop).toBe("cancelled");
    expect(speech.said.length).toBeLessThan(5);
    await waitFor(() => fake.abandoned() === abandonedBefore + 1, {
      what: "the HTTP stream closed mid-answer",
    });
    expect(t.statuses.at(-1)).toBe("idle");
    // The next question carries what was said before the interrupt, marked as such.
    script = (request) => ({
      content: [
        { type: "text", text: textOf(request.messages.at(-2)).includes("[interrupted]") ? "Noted." : "?" },
      ],
    });
    await a.ask("never mind");
    expect(speech.said.at(-1)!.sentence).toBe("Noted.");
  });

  it("listens for a follow-up after an answer that ends in a question, and continues the conversation", async () => {
    script = (request) => {
      const question = textOf(request.messages.at(-1));
      if (/weather/.test(question))
        return { content: [{ type: "text", text: "It will rain. Shall I remind you to take an umbrella?" }] };
      return {
        content: [
          {
            type: "text",
            text: request.messages.length === 3 ? "Okay, I will remind you at eight." : "Which question?",
          },
        ],
      };
    };
    const heard = ["yes please", ""];
    const { a, speech, listened } = await assistant({ listen: async () => heard.shift() ?? "" });
    const turns = await a.ask("what is the weather like tomorrow");
    expect(turns.map((x) => [x.question, x.followUp])).toEqual([
      ["what is the weather like tomorrow", false],
      ["yes please", true],
    ]);
    expect(listened).toEqual([4000]);
    expect(speech.said.at(-1)!.sentence).toBe("Okay, I will remind you at eight.");
    expect(t.statuses).toEqual(["processing", "speaking", "listening", "processing", "speaking", "idle"]);
  });

  it("says exactly what is wrong when the key is refused or missing", async () => {
    script = () => ({ content: [{ type: "text", text: "never" }] });
    const { a } = await assistant({ key: "sk-ant-wrong-key-000000" });
    await expect(a.ask("hello")).rejects.toThrow(/rejected the Anthropic API key/);
    expect(t.statuses.at(-1)).toBe("error");
    await a.close();
    t.sandbox.cleanup();
    t = aiContext({});
    const missing = await createAssistant({
      mode: "anthropic",
      config: AiConfig.parse({}),
      ctx: t.ctx,
      speech: recordingSpeech(),
      status: t.status,
    });
    open.push(missing);
    await expect(missing.ask("hello")).rejects.toMatchObject({
      message: "ai_mode anthropic needs an Anthropic API key",
      hint: expect.stringMatching(/ANTHROPIC_API_KEY/),
    });
    expect(t.store.get("voice.ai_backend")?.state).toMatchObject({
      value: "unavailable",
      attributes: { mode: "anthropic", missing: "an Anthropic API key" },
    });
  });
});
