import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type DaemonHandle, startDaemon } from "../../../src/app/daemon/daemon.ts";
import { clearSecrets } from "../../../src/core/redact.ts";
import voice from "../../../src/modules/voice/index.ts";
import { freePort, makeSandbox, runCli, type Sandbox, waitFor } from "../../helpers/sandbox.ts";
import { startXvfb } from "../../helpers/xvfb.ts";
import { makeSpeech, SENTENCE, type SpeechFiles } from "./speech.ts";
import { startXevWindow } from "./x11.ts";

/**
 * End to end: the daemon runs the voice service (the real daemon code, in this process
 * so the test can read its store), `deskhub voice start` / `stop` run as a compositor
 * key bind would run them, the "microphone" is sox playing espeak-ng's sentence, and
 * the text is typed by xdotool into a real X window (xev under Xvfb) that reports
 * every key it received.
 */
let speech: SpeechFiles;
let x: Awaited<ReturnType<typeof startXvfb>>;
let sandbox: Sandbox;
let daemon: DaemonHandle | undefined;

beforeAll(async () => {
  speech = makeSpeech();
  x = await startXvfb();
});
afterAll(async () => {
  await x.stop();
  speech.cleanup();
});
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  sandbox?.cleanup();
  clearSecrets();
});

async function start(micFile: string): Promise<{ statusFile: string; configFile: string }> {
  sandbox = makeSandbox({ DISPLAY: x.display });
  const statusFile = join(sandbox.root, "push-to-talk", "status");
  const configFile = join(sandbox.configDir, "config.yaml");
  mkdirSync(sandbox.configDir, { recursive: true });
  writeFileSync(
    configFile,
    [
      "dashboard:",
      `  port: ${await freePort()}`,
      "voice:",
      "  trigger: cli # keys come from the compositor binds",
      "  stt: pocketsphinx",
      "  indicator_style: none",
      `  status_file: ${statusFile}`,
      "  recording:",
      `    command: ["sox", "${micFile}", "-t", "raw", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-"]`,
      "  output:",
      "    method: xdotool",
      "    key_delay_ms: 2",
      "",
    ].join("\n"),
  );
  daemon = await startDaemon({ env: sandbox.env, modules: [voice] });
  return { statusFile, configFile };
}

describe("voice in the daemon, driven by the CLI", () => {
  it("types the spoken sentence into the focused X window", async () => {
    const { statusFile } = await start(speech.wav16k);
    const target = await startXevWindow(x.env);
    try {
      const begin = await runCli(["voice", "start"], sandbox.env);
      expect(begin).toMatchObject({ code: 0, stderr: "" });
      expect(daemon!.runtime.store.value("voice.status")).toBe("recording");
      await new Promise((r) => setTimeout(r, 400));
      const end = await runCli(["voice", "stop", "--wait", "--json"], sandbox.env);
      expect(JSON.parse(end.stdout)).toMatchObject({
        outcome: "typed",
        text: SENTENCE,
        backend: "pocketsphinx",
      });
      await waitFor(() => target.typed() === `${SENTENCE} `, { timeout: 5000, what: "text in the X window" });
      // The old indicator's file follows the status (written atomically, just after it changes).
      await waitFor(() => readFileSync(statusFile, "utf8") === "success", { what: "status file" });
      const status = await runCli(["voice", "status", "--json"], sandbox.env);
      const entities = JSON.parse(status.stdout) as Array<{
        id: string;
        value: unknown;
        attributes: Record<string, unknown>;
      }>;
      expect(entities.find((e) => e.id === "voice.last_transcript")?.value).toBe(SENTENCE);
      expect(entities.find((e) => e.id === "voice.trigger")?.value).toBe("cli");
    } finally {
      await target.stop();
    }
  });

  it("types nothing when the recording is silent", async () => {
    await start(speech.silence);
    const target = await startXevWindow(x.env);
    try {
      await runCli(["voice", "toggle"], sandbox.env);
      await new Promise((r) => setTimeout(r, 300));
      const end = await runCli(["voice", "toggle", "--wait", "--json"], sandbox.env);
      expect(JSON.parse(end.stdout)).toMatchObject({ outcome: "silent", text: "" });
      await new Promise((r) => setTimeout(r, 300));
      expect(target.typed()).toBe("");
      expect(daemon!.runtime.store.value("voice.status")).toBe("idle");
    } finally {
      await target.stop();
    }
  });

  it("changes a setting from the dashboard's command and saves it with the comments kept", async () => {
    const { configFile } = await start(speech.wav16k);
    await daemon!.runtime.store.run("voice.set_openai_voice", { value: "echo" }, "dashboard");
    expect(daemon!.runtime.store.value("voice.openai_voice")).toBe("echo");
    const text = readFileSync(configFile, "utf8");
    expect(text).toContain("# keys come from the compositor binds");
    expect(parse(text).voice.openai_voice).toBe("echo");
    await expect(
      daemon!.runtime.store.run("voice.set_openai_voice", { value: "darth" }, "dashboard"),
    ).rejects.toThrow(/must be one of alloy, echo/);
  });
});

describe("without a daemon", () => {
  it("`deskhub voice start` says the daemon is not running and how to start it", async () => {
    sandbox = makeSandbox();
    const result = await runCli(["voice", "start"], sandbox.env);
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(/daemon is not running/);
    expect(result.stderr).toMatch(/deskhub up/);
  });
});
