/**
 * Transcript -> first audio sample of the answer, with a fake model streaming at a
 * fixed 20 tokens/s (test/fixtures/anthropic) and real speech synthesis (espeak-ng
 * through the voice pipeline's backend). Streaming path: deskhub's assistant, which
 * speaks each sentence as soon as it is complete. Baseline, same run, same server and
 * backend: wait for the whole answer, then speak it (what the old assistant did).
 *
 *   node bench/voice-ai-first-audio.ts
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { openDatabase } from "../src/core/db.ts";
import { resolvePaths } from "../src/core/paths.ts";
import { Secrets } from "../src/core/secrets/secrets.ts";
import { Store } from "../src/core/store.ts";
import { createAssistant } from "../src/modules/voice/ai/assistant.ts";
import { AiConfig } from "../src/modules/voice/ai/config.ts";
import type { SpeechOut } from "../src/modules/voice/ai/ports.ts";
import { espeakBackend } from "../src/modules/voice/tts/espeak.ts";
import { startFakeAnthropic } from "../test/fixtures/anthropic/server.ts";
import { makeSandbox } from "../test/helpers/sandbox.ts";
import { quietLog } from "../test/modules/voice/ai/support.ts";
import { median } from "./lib.ts";

const TOKENS_PER_SECOND = 20;
const RUNS = 5;
const KEY = "sk-ant-bench-000000000000000000";
const ANSWER =
  "Tomorrow will be mostly sunny in the morning. Clouds move in after lunch, with a high of twenty one degrees. " +
  "The wind stays light, from the south west. There is a small chance of a shower in the evening. " +
  "Sunrise is at six forty and sunset at eight fifteen. Shall I set a reminder to water the garden?";

const fake = await startFakeAnthropic({
  apiKey: KEY,
  tokensPerSecond: TOKENS_PER_SECOND,
  model: () => ({ content: [{ type: "text", text: ANSWER }] }),
});
const sandbox = makeSandbox({ ANTHROPIC_API_KEY: KEY });
const paths = resolvePaths(sandbox.env);
const tts = espeakBackend({ path: "espeak-ng", voice: "en-us", wordsPerMinute: 175 });

/** Speech that notes when the first audio sample of an answer exists (when it would reach the player). */
function timedSpeech(): SpeechOut & { firstSample: number | undefined } {
  const speech = {
    firstSample: undefined as number | undefined,
    async speak(sentence: string, signal: AbortSignal) {
      for await (const _chunk of tts.synthesize(sentence, signal)) speech.firstSample ??= performance.now();
    },
  };
  return speech;
}

const assistantWith = (speech: SpeechOut) =>
  createAssistant({
    mode: "anthropic",
    config: AiConfig.parse({ anthropic: { base_url: fake.url, history_turns: 0 }, follow_up_seconds: 0 }),
    ctx: {
      paths,
      env: sandbox.env,
      store: new Store(),
      secrets: new Secrets({ env: sandbox.env, paths }),
      log: quietLog(),
      openDb: (file, migrations) => openDatabase(join(paths.dataDir, file), migrations),
    },
    speech,
    status: () => {},
  });

const streaming = { first: [] as number[], complete: [] as number[] };
const whole = { first: [] as number[], complete: [] as number[] };

for (let run = 0; run < RUNS; run++) {
  // deskhub: sentence by sentence while the answer streams.
  {
    const speech = timedSpeech();
    const assistant = await assistantWith(speech);
    const start = performance.now();
    let complete = 0;
    const sent = fake.textDeltasSent();
    const total = ANSWER.match(/\s*\S+/g)!.length;
    const watch = setInterval(() => {
      if (!complete && fake.textDeltasSent() - sent >= total) complete = performance.now();
    }, 5);
    await assistant.ask("what is the weather like tomorrow");
    clearInterval(watch);
    streaming.first.push(speech.firstSample! - start);
    streaming.complete.push((complete || performance.now()) - start);
    await assistant.close();
  }
  // Baseline: the same request and backend, but speech starts only with the whole answer.
  {
    const speech = timedSpeech();
    const collected: string[] = [];
    const silent: SpeechOut = {
      async speak(sentence) {
        collected.push(sentence);
      },
    };
    const assistant = await assistantWith(silent);
    const start = performance.now();
    await assistant.ask("what is the weather like tomorrow");
    const complete = performance.now();
    await speech.speak(collected.join(" "), new AbortController().signal);
    whole.first.push(speech.firstSample! - start);
    whole.complete.push(complete - start);
    await assistant.close();
  }
}

await fake.close();
rmSync(sandbox.root, { recursive: true, force: true });

const s = median(streaming.first);
const w = median(whole.first);
const rows: Array<[string, number, number, string]> = [
  ["deskhub: speak each sentence as it completes", s, median(streaming.complete), `${(s / w).toFixed(3)}x`],
  ["baseline: wait for the whole answer, then speak", w, median(whole.complete), "1.000x"],
];
console.log(
  `\n### Voice AI: transcript to first audio sample (fake model at ${TOKENS_PER_SECOND} tokens/s, ${ANSWER.match(/\s*\S+/g)!.length} tokens, espeak-ng, median of ${RUNS})\n`,
);
console.log("| path | first audio sample (ms) | answer fully streamed (ms) | first audio vs baseline |");
console.log("| --- | --- | --- | --- |");
for (const [path, first, complete, ratio] of rows) {
  console.log(`| ${path} | ${Math.round(first)} | ${Math.round(complete)} | ${ratio} |`);
}
console.log(
  `\nSpeech starts ${Math.round(w - s)} ms sooner (${(w / s).toFixed(1)}x faster to first sound); the first sentence is ${ANSWER.split(".")[0]!.split(" ").length} tokens.`,
);
