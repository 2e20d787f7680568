import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type DaemonHandle, startDaemon } from "../../../src/app/daemon/daemon.ts";
import { clearSecrets } from "../../../src/core/redact.ts";
import voice from "../../../src/modules/voice/index.ts";
import { type FakeAnthropic, lastToolResults, startFakeAnthropic } from "../../fixtures/anthropic/server.ts";
import { launchChromium } from "../../helpers/browser.ts";
import { freePort, makeSandbox, runCli, type Sandbox } from "../../helpers/sandbox.ts";
import { voiceDaemonConfig } from "./daemon-config.ts";
import { makeSpeech, SENTENCE, type SpeechFiles } from "./speech.ts";

/**
 * The voice page of the dashboard in Chromium, against the real daemon: the status and
 * level while recording, the transcript of a spoken question, the assistant's backends
 * and its audited tool call, and a setting changed from the page.
 */
const KEY = "sk-ant-api03-page-0000000000000000000";
let fake: FakeAnthropic;
let speech: SpeechFiles;
let sandbox: Sandbox;
let daemon: DaemonHandle;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let configFile: string;

beforeAll(async () => {
  speech = makeSpeech();
  fake = await startFakeAnthropic({
    apiKey: KEY,
    tokensPerSecond: 400,
    model: (request) =>
      lastToolResults(request).length === 0
        ? { content: [{ type: "tool_use", name: "run_command", input: { command: "echo sunny" } }] }
        : { content: [{ type: "text", text: "Tomorrow will be sunny." }] },
  });
  sandbox = makeSandbox({ ANTHROPIC_API_KEY: KEY });
  mkdirSync(sandbox.configDir, { recursive: true });
  configFile = join(sandbox.configDir, "config.yaml");
  writeFileSync(
    configFile,
    voiceDaemonConfig({
      dashboardPort: await freePort(),
      aiMode: "anthropic",
      // The microphone: espeak-ng's question paced in real time, then silence, so the level moves as it would.
      recording: [
        ...["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-i", speech.wav16k],
        ...["-af", "apad=pad_dur=4", "-f", "s16le", "-ac", "1", "-ar", "16000", "-"],
      ],
      keepWarm: false,
      answerFile: join(sandbox.root, "answer.wav"),
      anthropicUrl: fake.url,
    }),
  );
  daemon = await startDaemon({ env: sandbox.env, modules: [voice] });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${daemon.dashboardUrl}voice/`);
  await page.getByText("live").waitFor();
});

afterAll(async () => {
  await browser?.cleanup();
  await daemon?.stop();
  await fake?.close();
  sandbox?.cleanup();
  speech?.cleanup();
  clearSecrets();
});

describe("the voice page", () => {
  it("shows the status and the microphone level live, then the question and the tool call it led to", async () => {
    expect(await page.getByTestId("status").textContent()).toBe("idle");
    expect(await page.getByTestId("trigger").textContent()).toMatch(/Keys: cli/);

    expect(await runCli(["voice", "start", "--ai"], sandbox.env)).toMatchObject({ code: 0 });
    await expect.poll(() => page.getByTestId("status").textContent()).toBe("recording");
    const level = () => page.getByTestId("level").evaluate((m) => (m as HTMLMeterElement).value);
    await expect.poll(level, { timeout: 5000 }).toBeGreaterThan(0);
    // The question is over when the level falls back to silence.
    await expect.poll(level, { timeout: 5000 }).toBe(0);
    const end = await runCli(["voice", "stop", "--wait", "--json"], sandbox.env);
    expect(JSON.parse(end.stdout)).toMatchObject({ outcome: "handled", text: SENTENCE });

    const transcripts = page.getByTestId("transcripts");
    await expect
      .poll(() => transcripts.locator("tbody tr").first().textContent(), { timeout: 5000 })
      .toContain(SENTENCE);
    expect(await transcripts.locator("tbody tr").first().textContent()).toContain("pocketsphinx");

    const call = page.locator('[data-testid="audit"] tr[data-tool="run_command"]');
    await expect.poll(() => call.count(), { timeout: 5000 }).toBe(1);
    const row = await call.textContent();
    expect(row).toContain('{"command":"echo sunny"}');
    expect(row).toContain("allowed");
    expect(row).toContain("sunny");
    await expect.poll(() => page.getByTestId("status").textContent(), { timeout: 5000 }).toBe("idle");
  });

  it("shows which assistant backends can run and what the others need", async () => {
    await expect.poll(() => page.getByTestId("backend").textContent()).toBe("ai_mode anthropic: ready");
    expect(await page.locator('[data-backend="anthropic"]').textContent()).toContain("available");
    expect(await page.locator('[data-backend="claude"]').textContent()).toMatch(
      /unavailable.*npm install -g @anthropic-ai\/claude-code/,
    );
    expect(await page.locator('[data-backend="realtime"]').textContent()).toMatch(/OpenAI API key/);
  });

  it("changes settings, which the daemon applies and saves, and says which value is wrong", async () => {
    await page.locator('select[data-setting="voice.mode"]').selectOption("toggle");
    await expect.poll(() => daemon.runtime.store.value("voice.mode")).toBe("toggle");
    expect(parse(readFileSync(configFile, "utf8")).voice.mode).toBe("toggle");
    // The assistant is rebuilt for the new backend at once, and says what that one lacks.
    await page.locator('select[data-setting="voice.ai_mode"]').selectOption("realtime");
    await expect
      .poll(() => page.getByTestId("backend").textContent(), { timeout: 5000 })
      .toBe("ai_mode realtime: unavailable, needs an OpenAI API key");
    await page.locator('select[data-setting="voice.ai_mode"]').selectOption("anthropic");
    await expect
      .poll(() => page.getByTestId("backend").textContent(), { timeout: 5000 })
      .toBe("ai_mode anthropic: ready");

    const key = page.locator('input[data-setting="voice.ptt_key"]');
    await key.fill("banana");
    await key.press("Enter");
    await expect
      .poll(() => page.locator("tr", { has: key }).textContent())
      .toMatch(/error: voice.ptt_key: "banana" is not a key name deskhub knows/);
    expect(daemon.runtime.store.value("voice.ptt_key")).toBe("ctrl_r");
  });
});
