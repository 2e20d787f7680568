import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodeWav } from "../../../../src/desktop/audio/wav.ts";
import { type Assistant, createAssistant } from "../../../../src/modules/voice/ai/assistant.ts";
import { AiConfig } from "../../../../src/modules/voice/ai/config.ts";
import type { PcmOut } from "../../../../src/modules/voice/ai/ports.ts";
import {
  type FakeRealtime,
  type Reply,
  type ScriptContext,
  startFakeRealtime,
} from "../../../fixtures/openai-realtime/server.ts";
import { waitFor } from "../../../helpers/sandbox.ts";
import { type AiTestContext, aiContext, espeakPcm, recordingSpeech, soxStat } from "./support.ts";

const KEY = "sk-test-realtime-0123456789abcdefghij";
let fake: FakeRealtime;
let script: (context: ScriptContext) => Reply | Promise<Reply>;
let question: Buffer;
let t: AiTestContext;
let assistant: Assistant | undefined;

/** A player that takes real time to play what it is given, and keeps it. */
function player(): {
  open: (f: { rate: number }) => Promise<PcmOut>;
  played: Buffer[];
  aborted: () => boolean;
  ended: () => boolean;
} {
  const played: Buffer[] = [];
  let aborted = false;
  let ended = false;
  return {
    played,
    aborted: () => aborted,
    ended: () => ended,
    open: async ({ rate }) => ({
      async write(pcm) {
        if (aborted) return;
        played.push(pcm);
        await new Promise((resolve) => setTimeout(resolve, (pcm.length / 2 / rate) * 1000));
      },
      async end() {
        ended = true;
      },
      abort() {
        aborted = true;
      },
    }),
  };
}

beforeAll(async () => {
  fake = await startFakeRealtime({ apiKey: KEY, speed: 4, script: (c) => script(c) });
  question = await espeakPcm("remember that the spare key is under the blue pot", 16_000);
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await assistant?.close();
  assistant = undefined;
  t?.sandbox.cleanup();
});

async function start(
  out: ReturnType<typeof player>,
  options: { key?: string; listen?: () => Promise<string> } = {},
) {
  t = aiContext({ OPENAI_API_KEY: options.key ?? KEY });
  assistant = await createAssistant({
    mode: "realtime",
    config: AiConfig.parse({ realtime: { base_url: fake.baseURL, keep_open_seconds: 0 } }),
    ctx: t.ctx,
    speech: recordingSpeech(),
    status: t.status,
    openPcmOut: out.open,
    realtimeWsOptions: { ca: fake.ca },
    ...(options.listen ? { listen: options.listen } : {}),
  });
  return assistant;
}

/** Feeds the recorder's 16 kHz audio in 100 ms chunks, as it would arrive while the key is held. */
function hold(pcm: Buffer) {
  const turn = assistant!.startRealtimeTurn(16_000);
  for (let at = 0; at < pcm.length; at += 3200) turn.append(pcm.subarray(at, at + 3200));
  return turn;
}

describe("the OpenAI Realtime backend (GA protocol)", () => {
  it("streams the held audio, answers a function call through the policy, and plays the answer as it arrives", async () => {
    const answer = "I will remember that. Anything else?";
    const answerAudio = await espeakPcm(answer, 24_000);
    script = ({ items }) => {
      const last = items.at(-1)!;
      if (last.type === "message" && last.role === "user") {
        return { call: { name: "remember", arguments: { fact: "The spare key is under the blue pot" } } };
      }
      return { say: answer, audio: answerAudio };
    };
    const out = player();
    const listened: string[] = [];
    await start(out, {
      listen: async () => {
        listened.push("asked");
        return "";
      },
    });
    const received = fake.received.length;
    const result = await hold(question).finish();

    // The connection: wss with the key as a Bearer token, the model in the URL, no beta header.
    const upgrade = fake.upgrades.at(-1)!;
    expect(upgrade).toEqual({
      url: "/v1/realtime?model=gpt-realtime",
      authorization: `Bearer ${KEY}`,
      beta: undefined,
    });
    const events = fake.received.slice(received);
    const update = events[0] as { type: string; session: { tools: Array<{ name: string }> } };
    expect(update.type).toBe("session.update");
    expect(update.session).toMatchObject({
      type: "realtime",
      output_modalities: ["audio"],
      audio: {
        input: { format: { type: "audio/pcm", rate: 24_000 }, turn_detection: null },
        output: { format: { type: "audio/pcm", rate: 24_000 }, voice: "marin" },
      },
      tool_choice: "auto",
    });
    expect(update.session.tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(["remember", "recall", "run_command", "read_file"]),
    );
    expect(update.session.tools.find((tool) => tool.name === "remember")).toMatchObject({
      type: "function",
      parameters: { type: "object", required: ["fact"] },
    });

    // Push-to-talk: appends, then commit and response.create; the function's output, then another response.create.
    const types = events.map((e) => e.type).filter((type) => type !== "input_audio_buffer.append");
    expect(types).toEqual([
      "session.update",
      "input_audio_buffer.commit",
      "response.create",
      "conversation.item.create",
      "response.create",
    ]);
    const userAudio = fake.items.find((i) => i.role === "user")!.audio!;
    expect(Math.abs(userAudio.length / 2 - (question.length / 2) * 1.5)).toBeLessThanOrEqual(2); // 16 kHz -> 24 kHz
    expect(result.sentBytes).toBe(userAudio.length);
    const output = events.find((e) => e.type === "conversation.item.create") as {
      item: Record<string, unknown>;
    };
    expect(output.item).toEqual({
      type: "function_call_output",
      call_id: expect.stringMatching(/^call_/),
      output: "remembered (memory #1)",
    });
    expect(assistant!.memory.recall("spare key")[0]!.text).toBe("The spare key is under the blue pot");
    expect(assistant!.audit.recent()[0]).toMatchObject({
      backend: "realtime",
      tool: "remember",
      decision: "allowed",
      ok: true,
    });

    // Every byte the model sent was played, in order, and it is speech.
    expect(Buffer.concat(out.played).equals(answerAudio)).toBe(true);
    expect(out.ended()).toBe(true);
    const wav = join(t.sandbox.root, "answer.wav");
    writeFileSync(wav, encodeWav(Buffer.concat(out.played), 24_000));
    const stat = await soxStat(wav);
    expect(stat.seconds).toBeGreaterThan(1);
    expect(stat.rms).toBeGreaterThan(0.02);
    expect(result).toMatchObject({ answer, stop: "completed", toolCalls: 1 });
    // The answer asked a question: deskhub listened for a follow-up, heard nothing, and went idle.
    expect(listened).toEqual(["asked"]);
    expect(t.statuses).toEqual(["processing", "speaking", "listening", "idle"]);
  });

  it("cancels the response and truncates the item to what was heard when interrupted", async () => {
    const long =
      "Here is a long story about the history of the blue pot, which goes back many years and has many turns.";
    const audio = await espeakPcm(long, 24_000);
    script = () => ({ say: long, audio });
    const out = player();
    await start(out);
    const received = fake.received.length;
    const turn = hold(question);
    const controller = new AbortController();
    const finishing = turn.finish({ signal: controller.signal });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (out.played.length >= 6) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    controller.abort();
    const result = await finishing;
    expect(result.stop).toBe("cancelled");
    expect(out.aborted()).toBe(true);
    const events = fake.received.slice(received);
    const cancel = events.findIndex((e) => e.type === "response.cancel");
    const truncate = events.find((e) => e.type === "conversation.item.truncate") as {
      item_id: string;
      content_index: number;
      audio_end_ms: number;
    };
    expect(cancel).toBeGreaterThan(0);
    const item = fake.items.find((i) => i.id === truncate.item_id)!;
    expect(item).toMatchObject({ role: "assistant", status: "incomplete" });
    expect(truncate.content_index).toBe(0);
    const playedMs = Buffer.concat(out.played).length / 48;
    expect(truncate.audio_end_ms).toBeGreaterThan(300);
    expect(truncate.audio_end_ms).toBeLessThanOrEqual(playedMs);
    // The server cut its copy of the answer to what was heard, so the model knows where it was stopped.
    expect(item.audio!.length).toBe(Math.floor(truncate.audio_end_ms * 48));
    expect(audio.length / 48).toBeGreaterThan(truncate.audio_end_ms + 1000);
    expect(t.statuses.at(-1)).toBe("idle");
  });

  it("throws away a key tap too short to be a question", async () => {
    script = () => {
      throw new Error("no response should be asked for");
    };
    const out = player();
    await start(out);
    const received = fake.received.length;
    const result = await hold(question.subarray(0, 1600)).finish(); // 50 ms
    expect(result.stop).toBe("too_short");
    await waitFor(() => fake.received.slice(received).some((e) => e.type === "input_audio_buffer.clear"));
    expect(fake.received.slice(received).map((e) => e.type)).toEqual([
      "session.update",
      "input_audio_buffer.append",
      "input_audio_buffer.clear",
    ]);
  });

  it("answers a typed question out loud too", async () => {
    const audio = await espeakPcm("It is Tuesday.", 24_000);
    script = ({ items }) => {
      const last = items.at(-1)!;
      expect(last.content).toEqual([{ type: "input_text", text: "what day is it" }]);
      return { say: "It is Tuesday.", audio };
    };
    const unused = player();
    await start(unused);
    // The pipeline hands each turn its own player (TurnContext.openSink).
    const out = player();
    const [turn] = await assistant!.ask("what day is it", { openPcmOut: out.open });
    expect(turn).toMatchObject({ answer: "It is Tuesday.", stop: "completed" });
    expect(Buffer.concat(out.played).length).toBe(audio.length);
    expect(unused.played).toEqual([]);
  });

  it("says the key was refused", async () => {
    const out = player();
    await start(out, { key: "sk-wrong-key-0000000000000000000000" });
    await expect(hold(question).finish()).rejects.toThrow(/OpenAI rejected the API key/);
    expect(t.statuses.at(-1)).toBe("error");
  });

  it("says the key is missing, and where to put it", async () => {
    const out = player();
    await start(out, { key: "" });
    await expect(hold(question).finish()).rejects.toMatchObject({
      message: "ai_mode realtime needs an OpenAI API key",
      hint: expect.stringMatching(/OPENAI_API_KEY/),
    });
    expect(t.statuses).toEqual(["error"]);
    expect(t.store.value("voice.ai_backend")).toBe("unavailable");
  });
});
