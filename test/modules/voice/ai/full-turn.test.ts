import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../../../src/core/atomic.ts";
import { encodeWav } from "../../../../src/desktop/audio/wav.ts";
import { createAssistant } from "../../../../src/modules/voice/ai/assistant.ts";
import { AiConfig } from "../../../../src/modules/voice/ai/config.ts";
import type { SpeechOut } from "../../../../src/modules/voice/ai/ports.ts";
import { pocketsphinxBackend } from "../../../../src/modules/voice/stt/pocketsphinx.ts";
import { espeakBackend } from "../../../../src/modules/voice/tts/espeak.ts";
import {
  type FakeAnthropic,
  lastToolResults,
  startFakeAnthropic,
} from "../../../fixtures/anthropic/server.ts";
import { type AiTestContext, aiContext, answering, espeakPcm, soxStat } from "./support.ts";

const KEY = "sk-ant-api03-full-turn-0000000000";
let fake: FakeAnthropic;
let t: AiTestContext;

beforeAll(async () => {
  // The model: asks for tomorrow's weekday with a tool, then answers with what the tool said.
  fake = await startFakeAnthropic({
    apiKey: KEY,
    tokensPerSecond: 100,
    model: (request) => {
      const results = lastToolResults(request);
      if (results.length === 0) {
        return {
          content: [
            { type: "text", text: "Let me check the date." },
            { type: "tool_use", name: "run_command", input: { command: "date -d tomorrow +%A" } },
          ],
        };
      }
      const day = /stdout:\n(\w+)/.exec(String(results[0]!.content))?.[1] ?? "unknown";
      return {
        content: [
          { type: "text", text: `Tomorrow is ${day}. It will be sunny and mild, around twenty degrees.` },
        ],
      };
    },
  });
  t = aiContext({ ANTHROPIC_API_KEY: KEY });
});
afterAll(async () => {
  await fake.close();
  t.sandbox.cleanup();
});

describe("a whole spoken turn, offline", () => {
  it("hears the question, calls a tool after approval, and speaks the answer into a WAV file", async () => {
    // 1. The question, spoken by espeak-ng and heard by pocketsphinx (the voice pipeline's recogniser).
    const question = await espeakPcm("what is the weather like tomorrow", 16_000);
    const stt = pocketsphinxBackend({ path: "/usr/bin/pocketsphinx_continuous" });
    const transcript = await stt.transcribe({ pcm: question, language: "en", words: [] });
    expect(transcript).toBe("what is the weather like tomorrow");

    // 2. Speech out through the voice pipeline's espeak-ng backend, collected into one WAV.
    const tts = espeakBackend({ path: "/usr/bin/espeak-ng", voice: "en-us", wordsPerMinute: 175 });
    const pcm: Buffer[] = [];
    let rate = 0;
    const sentences: string[] = [];
    const speech: SpeechOut = {
      async speak(sentence, signal) {
        sentences.push(sentence);
        for await (const chunk of tts.synthesize(sentence, signal)) {
          rate = chunk.rate;
          pcm.push(chunk.pcm);
        }
      },
    };
    const person = answering("approve");
    const assistant = await createAssistant({
      mode: "anthropic",
      config: AiConfig.parse({
        anthropic: { base_url: fake.url },
        run_command: { allow: ["date"] },
        tools: { run_command: "confirm" },
      }),
      ctx: t.ctx,
      speech,
      status: t.status,
      confirm: person,
    });
    try {
      const [turn] = await assistant.ask(transcript);

      // 3. The policy asked, the person approved, the command really ran, and all of it is in the audit log.
      expect(person.asked).toEqual(["run: date -d tomorrow +%A"]);
      const weekday = new Date(Date.now() + 86_400_000).toLocaleDateString("en-US", { weekday: "long" });
      expect(turn!.answer).toBe(
        `Let me check the date. Tomorrow is ${weekday}. It will be sunny and mild, around twenty degrees.`,
      );
      expect(assistant.audit.recent()[0]).toMatchObject({
        tool: "run_command",
        decision: "approved",
        ok: true,
        result: `exit code 0\nstdout:\n${weekday}\n`,
      });
      expect(fake.requests[0]!.body.messages[0]).toEqual({
        role: "user",
        content: "what is the weather like tomorrow",
      });

      // 4. Spoken sentence by sentence, into audio that sox measures as speech, not silence.
      expect(sentences).toEqual([
        "Let me check the date.",
        `Tomorrow is ${weekday}.`,
        "It will be sunny and mild, around twenty degrees.",
      ]);
      const file = join(t.sandbox.root, "answer.wav");
      await writeFileAtomic(file, encodeWav(Buffer.concat(pcm), rate));
      const stat = await soxStat(file);
      expect(rate).toBe(22_050);
      expect(stat.seconds).toBeGreaterThan(3);
      expect(stat.rms).toBeGreaterThan(0.03);
      expect(stat.maxAmplitude).toBeGreaterThan(0.3);
      expect(t.statuses).toEqual(["processing", "speaking", "processing", "speaking", "idle"]);
    } finally {
      await assistant.close();
    }
  });
});
