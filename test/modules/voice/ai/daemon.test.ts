import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type DaemonHandle, startDaemon } from "../../../../src/app/daemon/daemon.ts";
import { clearSecrets } from "../../../../src/core/redact.ts";
import voice from "../../../../src/modules/voice/index.ts";
import {
  type FakeAnthropic,
  lastToolResults,
  startFakeAnthropic,
  textOf,
} from "../../../fixtures/anthropic/server.ts";
import { freePort, makeSandbox, runCli, type Sandbox, waitFor } from "../../../helpers/sandbox.ts";
import { voiceDaemonConfig } from "../daemon-config.ts";
import { makeSpeech, SENTENCE, type SpeechFiles, soxRaw, soxStat } from "../speech.ts";

/**
 * The AI key through the whole daemon: `deskhub voice start --ai` and `stop` as a
 * compositor bind runs them, the "microphone" is espeak-ng's question played by sox,
 * pocketsphinx hears it, the fake Anthropic API asks for a tool, the policy allows it,
 * and the answer is spoken by espeak-ng into a WAV file through the configured player.
 */
const KEY = "sk-ant-api03-daemon-000000000000000";
let fake: FakeAnthropic;
let speech: SpeechFiles;
let sandbox: Sandbox;
let daemon: DaemonHandle | undefined;
let longAnswer = false;
const LONG_ANSWER = Array.from(
  { length: 40 },
  (_, i) => `Fact number ${i + 1} about tomorrow's weather is worth hearing.`,
).join(" ");

beforeAll(async () => {
  speech = makeSpeech();
  fake = await startFakeAnthropic({
    apiKey: KEY,
    tokensPerSecond: 200,
    model: (request) => {
      if (longAnswer) return { content: [{ type: "text", text: LONG_ANSWER }] };
      const results = lastToolResults(request);
      if (results.length === 0)
        return { content: [{ type: "tool_use", name: "run_command", input: { command: "echo sunny" } }] };
      const said = /stdout:\n(\w+)/.exec(String(results[0]!.content))?.[1] ?? "unknown";
      return { content: [{ type: "text", text: `Tomorrow will be ${said}. Enjoy the day.` }] };
    },
  });
});
afterAll(async () => {
  await fake.close();
  speech.cleanup();
});
afterEach(async () => {
  longAnswer = false;
  await daemon?.stop();
  daemon = undefined;
  sandbox?.cleanup();
  clearSecrets();
});

async function start(aiMode: string, env: Record<string, string> = {}): Promise<string> {
  sandbox = makeSandbox(env);
  const answer = join(sandbox.root, "answer.wav");
  mkdirSync(sandbox.configDir, { recursive: true });
  writeFileSync(
    join(sandbox.configDir, "config.yaml"),
    voiceDaemonConfig({
      dashboardPort: await freePort(),
      aiMode,
      recording: soxRaw(speech.wav16k),
      answerFile: answer,
      anthropicUrl: fake.url,
    }),
  );
  daemon = await startDaemon({ env: sandbox.env, modules: [voice] });
  return answer;
}

describe("the AI key in the daemon", () => {
  it("hears the question, runs the allowed tool, speaks the answer and audits the call", async () => {
    const answer = await start("anthropic", { ANTHROPIC_API_KEY: KEY });
    const before = fake.requests.length;
    expect(await runCli(["voice", "start", "--ai"], sandbox.env)).toMatchObject({ code: 0 });
    await new Promise((r) => setTimeout(r, 400));
    const end = await runCli(["voice", "stop", "--wait", "--json"], sandbox.env);
    expect(JSON.parse(end.stdout)).toMatchObject({ outcome: "handled", kind: "ai", text: SENTENCE });

    const asked = fake.requests.slice(before);
    expect(asked).toHaveLength(2); // the question, then the tool's result
    expect(textOf(asked[0]!.body.messages.at(-1))).toContain(SENTENCE);
    expect(String(lastToolResults(asked[1]!.body)[0]!.content)).toContain("sunny");

    await waitFor(() => existsSync(answer) && soxStat(answer).seconds > 1, { what: "the spoken answer" });
    expect(soxStat(answer).rms).toBeGreaterThan(0.02);
    expect(daemon!.runtime.store.value("voice.status")).toBe("idle");

    const audit = await runCli(["voice", "audit", "--json"], sandbox.env);
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.stdout)).toEqual([
      expect.objectContaining({
        tool: "run_command",
        decision: "allowed",
        ok: true,
        args: { command: "echo sunny" },
      }),
    ]);
  });

  it("a key press during the answer stops it, and the indicator stays on the new recording", async () => {
    await start("anthropic", { ANTHROPIC_API_KEY: KEY });
    longAnswer = true;
    const store = daemon!.runtime.store;
    await runCli(["voice", "start", "--ai"], sandbox.env);
    await new Promise((r) => setTimeout(r, 400));
    const first = runCli(["voice", "stop", "--wait", "--json"], sandbox.env);
    await waitFor(() => store.value("voice.status") === "speaking", { what: "the answer being spoken" });
    expect(await runCli(["voice", "start"], sandbox.env)).toMatchObject({ code: 0 });
    expect(JSON.parse((await first).stdout)).toMatchObject({ kind: "ai", outcome: "cancelled" });
    expect(store.value("voice.status")).toBe("recording");
    await runCli(["voice", "cancel"], sandbox.env);
  });

  it("says what is missing when the backend has no key, and types nothing", async () => {
    await start("anthropic");
    // The dashboard shows the chosen backend as unavailable, with what it lacks.
    await waitFor(() => daemon!.runtime.store.get("voice.ai_backend")?.state !== undefined, {
      what: "the backend entity",
    });
    expect(JSON.stringify(daemon!.runtime.store.get("voice.ai_backend")?.state)).toMatch(/ANTHROPIC_API_KEY/);
    await runCli(["voice", "start", "--ai"], sandbox.env);
    await new Promise((r) => setTimeout(r, 400));
    const end = await runCli(["voice", "stop", "--wait", "--json"], sandbox.env);
    const result = JSON.parse(end.stdout);
    expect(result).toMatchObject({ outcome: "error", kind: "ai" });
    expect(result.error).toMatch(/ANTHROPIC_API_KEY/);
    expect(result.error).not.toContain(KEY);
  });
});
