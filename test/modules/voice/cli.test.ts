import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startOpenAiServer } from "../../fixtures/openai/server.ts";
import { startWyomingServer } from "../../fixtures/wyoming/server.ts";
import { mainScript, makeSandbox, runCli, type Sandbox } from "../../helpers/sandbox.ts";
import { makeSpeech, SENTENCE, type SpeechFiles, soxStat } from "./speech.ts";

const KEY = "sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2";
let speech: SpeechFiles;
let sandbox: Sandbox;
let openai: Awaited<ReturnType<typeof startOpenAiServer>>;
let wyoming: Awaited<ReturnType<typeof startWyomingServer>>;

beforeAll(async () => {
  speech = makeSpeech();
  sandbox = makeSandbox();
  openai = await startOpenAiServer(KEY);
  wyoming = await startWyomingServer();
});
afterAll(async () => {
  await openai.close();
  await wyoming.close();
  sandbox.cleanup();
  speech.cleanup();
});

/** Runs the CLI with binary standard input (runCli sends text). */
function runCliWithBytes(args: string[], input: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [mainScript, ...args],
      { env: sandbox.env, encoding: "utf8" },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}: ${stderr}`)) : resolve(stdout)),
    );
    child.stdin!.end(input);
  });
}

function writeConfig(text: string): string {
  mkdirSync(sandbox.configDir, { recursive: true });
  const file = join(sandbox.configDir, "config.yaml");
  writeFileSync(file, text);
  return file;
}

describe("deskhub voice listen", () => {
  it("reads a WAV, transcribes it offline and prints the text (stdout as the typing target)", async () => {
    const result = await runCli(
      ["voice", "listen", "--once", "--input", speech.wav22k, "--stt", "pocketsphinx"],
      sandbox.env,
    );
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(`${SENTENCE}\n`);
    expect(result.code).toBe(0);
  });

  it("reads audio from stdin and prints nothing for silence", async () => {
    const silent = await runCliWithBytes(
      ["voice", "listen", "--once", "--input", "-", "--json", "--stt", "pocketsphinx"],
      readFileSync(speech.silence),
    );
    expect(JSON.parse(silent)).toEqual({ text: "", outcome: "silent" });
    const spoken = await runCliWithBytes(
      ["voice", "listen", "--once", "--input", "-", "--stt", "pocketsphinx"],
      readFileSync(speech.wav22k),
    );
    expect(spoken).toBe(`${SENTENCE}\n`);
  });

  it("uses an OpenAI-compatible endpoint with the key from the environment", async () => {
    const env = { ...sandbox.env, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: openai.baseUrl };
    const result = await runCli(
      ["voice", "listen", "--once", "--input", speech.wav16k, "--stt", "openai", "--json"],
      env,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ text: SENTENCE, backend: "openai" });
    expect(openai.requests.at(-1)?.fields.model).toBe("gpt-4o-mini-transcribe");
  });

  it("uses a Wyoming server from the config file", async () => {
    writeConfig(`voice:\n  stt: wyoming\n  wyoming:\n    stt_url: ${wyoming.url}\n`);
    const result = await runCli(["voice", "listen", "--once", "--input", speech.wav16k], sandbox.env);
    expect(result.stdout).toBe(`${SENTENCE}\n`);
    writeConfig("");
  });

  it("names a wrong backend and the right ones", async () => {
    const result = await runCli(
      ["voice", "listen", "--once", "--input", speech.wav16k, "--stt", "whisperx"],
      sandbox.env,
    );
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/unknown speech recogniser "whisperx"/);
    expect(result.stderr).toMatch(/pocketsphinx, whisper_server/);
  });
});

describe("deskhub say", () => {
  it("writes espeak-ng speech to a WAV file that sox measures as speech", async () => {
    const out = join(sandbox.root, "say.wav");
    const result = await runCli(
      ["say", "The", "dishwasher", "has", "finished.", "--tts", "espeak", "--out", out, "--json"],
      sandbox.env,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ backend: "espeak", sentences: 1, via: "local" });
    const stat = soxStat(out);
    expect(stat.rms).toBeGreaterThan(0.02);
    expect(stat.seconds).toBeGreaterThan(1);
    expect(stat.seconds).toBeLessThan(5);
  });

  it("speaks with OpenAI's voice chosen by the old openai_voice setting", async () => {
    writeConfig("voice:\n  openai_voice: onyx\n");
    const out = join(sandbox.root, "say-openai.wav");
    const env = { ...sandbox.env, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: openai.baseUrl };
    const result = await runCli(["say", "Good morning.", "--tts", "openai", "--out", out], env);
    expect(result.code).toBe(0);
    expect(openai.requests.at(-1)?.json).toMatchObject({ voice: "onyx", input: "Good morning." });
    expect(soxStat(out).rms).toBeGreaterThan(0.02);
    writeConfig("");
  });
});

describe("deskhub voice import", () => {
  it("takes the old config.json and vocabulary.txt, keeping config.yaml's comments", async () => {
    const old = join(sandbox.home, ".local/share/push-to-talk");
    mkdirSync(old, { recursive: true });
    writeFileSync(
      join(old, "config.json"),
      JSON.stringify({
        tts_backend: "openai",
        openai_voice: "shimmer",
        ai_mode: "claude",
        ptt_key: "ctrl_r",
        ai_key: "shift_r",
        interrupt_key: "esc",
        indicator_style: "dot",
        debug_mode: true,
        smart_punctuation: true,
      }),
    );
    writeFileSync(join(old, "vocabulary.txt"), "Hyprland\nZigbee2MQTT\n");
    writeFileSync(join(sandbox.configDir, "vocabulary.txt"), "# mine\nhyprland\n");
    const file = writeConfig(
      "# my desk\ndashboard:\n  port: 7373 # default\nvoice:\n  language: en # spoken language\n",
    );
    const result = await runCli(["voice", "import", "--json"], sandbox.env);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.skipped).toEqual([
      { key: "smart_punctuation", value: true, reason: "no deskhub equivalent" },
    ]);
    expect(summary.vocabulary.added).toBe(1);
    expect(result.stderr).toMatch(/not imported: smart_punctuation/);
    const text = readFileSync(file, "utf8");
    expect(text).toContain("# my desk");
    expect(text).toContain("# spoken language");
    expect(parse(text).voice).toMatchObject({
      language: "en",
      tts_backend: "openai",
      openai_voice: "shimmer",
      indicator_style: "dot",
      debug_mode: true,
      status_file: "~/.local/share/push-to-talk/status",
    });
    expect(readFileSync(join(sandbox.configDir, "vocabulary.txt"), "utf8")).toBe(
      "# mine\nhyprland\nZigbee2MQTT\n",
    );
    const check = await runCli(["config", "check"], sandbox.env);
    expect(check.code).toBe(0);
  });

  it("prints the section to paste with --print and changes nothing", async () => {
    const file = join(sandbox.configDir, "config.yaml");
    const before = readFileSync(file, "utf8");
    const result = await runCli(["voice", "import", "--print"], sandbox.env);
    expect(parse(result.stdout).voice.openai_voice).toBe("shimmer");
    expect(readFileSync(file, "utf8")).toBe(before);
    writeConfig("");
  });
});

describe("deskhub voice setup", () => {
  it("stores a well-formed key with mode 600 where the secrets lookup finds it", async () => {
    const result = await runCli(["voice", "setup", "--key-stdin", "--json"], sandbox.env, `${KEY}\n`);
    expect(result.code).toBe(0);
    const file = join(sandbox.home, ".config/openai/api_key");
    expect(readFileSync(file, "utf8")).toBe(`${KEY}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const summary = JSON.parse(result.stdout);
    expect(summary.stt.find((s: { name: string }) => s.name === "openai")).toMatchObject({ available: true });
    expect(result.stdout + result.stderr).not.toContain(KEY);
  });

  it("refuses a key of the wrong shape and does not echo it", async () => {
    const bad = "pk-live-notanopenaikey123456789";
    const result = await runCli(["voice", "setup", "--key-stdin"], sandbox.env, bad);
    expect(result.code).toBe(65);
    expect(result.stderr).toMatch(/start with sk-/);
    expect(result.stderr).not.toContain(bad);
  });

  it("refuses to ask when there is no terminal", async () => {
    const result = await runCli(["voice", "setup"], sandbox.env, "");
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/--key-stdin/);
  });
});
