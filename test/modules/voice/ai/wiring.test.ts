import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PcmSink } from "../../../../src/desktop/audio/playback.ts";
import { createAssistant } from "../../../../src/modules/voice/ai/assistant.ts";
import { AiConfig } from "../../../../src/modules/voice/ai/config.ts";
import { aiTurnHandler, speechPort, statusPort } from "../../../../src/modules/voice/ai/wiring.ts";
import type { TurnHandler } from "../../../../src/modules/voice/pipeline/turn.ts";
import { statusFollowsSpeech, VoiceStatus } from "../../../../src/modules/voice/status.ts";
import { espeakBackend } from "../../../../src/modules/voice/tts/espeak.ts";
import { Speaker } from "../../../../src/modules/voice/tts/speaker.ts";
import { type FakeAnthropic, startFakeAnthropic } from "../../../fixtures/anthropic/server.ts";
import { type AiTestContext, aiContext } from "./support.ts";

const KEY = "sk-ant-api03-wiring-00000000000000";
const ANSWER = "Tomorrow will be sunny. The high is twenty degrees. Enjoy the weekend.";
let fake: FakeAnthropic;
let t: AiTestContext;

beforeAll(async () => {
  fake = await startFakeAnthropic({
    apiKey: KEY,
    tokensPerSecond: 40,
    model: () => ({ content: [{ type: "text", text: ANSWER }] }),
  });
  t = aiContext({ ANTHROPIC_API_KEY: KEY });
});
afterAll(async () => {
  await fake.close();
  t.sandbox.cleanup();
});

describe("wiring the assistant into the voice pipeline", () => {
  it("answers an ai turn through the pipeline's Speaker and VoiceStatus: one player, no status flicker", async () => {
    const status = new VoiceStatus(t.store);
    status.define();
    const seen: string[] = [];
    t.store.bus.on("entity:state", ({ entity }) => {
      // Values only: the Speaker's own hook and the assistant may both set the same word.
      if (entity.id === "voice.status" && seen.at(-1) !== entity.state?.value)
        seen.push(String(entity.state?.value));
    });
    const sinks: Array<{ pcm: Buffer[]; firstWriteDeltas: number | undefined }> = [];
    const speaker = new Speaker({
      tts: async () => espeakBackend({ path: "/usr/bin/espeak-ng", voice: "en-us", wordsPerMinute: 175 }),
      openSink: async (): Promise<PcmSink> => {
        const sink = { pcm: [] as Buffer[], firstWriteDeltas: undefined as number | undefined };
        sinks.push(sink);
        return {
          name: "memory",
          async write(pcm) {
            sink.firstWriteDeltas ??= fake.textDeltasSent();
            sink.pcm.push(pcm);
          },
          async end() {},
          abort() {},
        };
      },
      onSpeaking: statusFollowsSpeech(status),
    });
    const assistant = await createAssistant({
      mode: "anthropic",
      config: AiConfig.parse({ anthropic: { base_url: fake.url } }),
      ctx: t.ctx,
      speech: speechPort(speaker),
      status: statusPort(status),
    });
    try {
      const handler: TurnHandler = aiTurnHandler(assistant);
      const listened: number[] = [];
      await handler.handle("what is the weather like tomorrow", {
        status,
        speaker,
        signal: new AbortController().signal,
        listen: async (ms) => {
          listened.push(ms);
          return "";
        },
        openSink: () => Promise.reject(new Error("a text backend plays through the Speaker")),
        log: t.ctx.log,
      });
      expect(sinks).toHaveLength(1); // the whole answer through one player
      const total = ANSWER.match(/\s*\S+/g)!.length;
      expect(sinks[0]!.firstWriteDeltas).toBeLessThan(total); // audio before the answer had finished streaming
      const seconds = Buffer.concat(sinks[0]!.pcm).length / 2 / 22_050;
      expect(seconds).toBeGreaterThan(3);
      expect(seen).toEqual(["processing", "speaking", "idle"]);
      expect(listened).toEqual([]); // the answer asked nothing, so nothing was listened for
    } finally {
      await assistant.close();
      status.close();
    }
  });
});
