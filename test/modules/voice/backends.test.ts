import { chmodSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearSecrets, registerSecret, scrub } from "../../../src/core/redact.ts";
import { encodeWav } from "../../../src/desktop/audio/wav.ts";
import { openaiSttBackend } from "../../../src/modules/voice/stt/openai.ts";
import { pocketsphinxArgs, pocketsphinxBackend } from "../../../src/modules/voice/stt/pocketsphinx.ts";
import type { SttRequest } from "../../../src/modules/voice/stt/types.ts";
import { whisperCliArgs } from "../../../src/modules/voice/stt/whisper-cli.ts";
import { whisperServerBackend } from "../../../src/modules/voice/stt/whisper-server.ts";
import { wyomingSttBackend } from "../../../src/modules/voice/stt/wyoming.ts";
import { espeakBackend } from "../../../src/modules/voice/tts/espeak.ts";
import { openaiTtsBackend } from "../../../src/modules/voice/tts/openai.ts";
import { piperBackend, piperFlavour } from "../../../src/modules/voice/tts/piper.ts";
import type { TtsBackend } from "../../../src/modules/voice/tts/types.ts";
import { wyomingTtsBackend } from "../../../src/modules/voice/tts/wyoming.ts";
import { encodeEvent, WyomingDecoder } from "../../../src/modules/voice/wyoming.ts";
import { startOpenAiServer } from "../../fixtures/openai/server.ts";
import { recognise, toSpeechPcm } from "../../fixtures/wyoming/engines.ts";
import { startWyomingServer } from "../../fixtures/wyoming/server.ts";
import { makeSpeech, SENTENCE, type SpeechFiles, soxStat } from "./speech.ts";

const KEY = "sk-test-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c";
let speech: SpeechFiles;
let wyoming: Awaited<ReturnType<typeof startWyomingServer>>;
let openai: Awaited<ReturnType<typeof startOpenAiServer>>;

beforeAll(async () => {
  speech = makeSpeech();
  wyoming = await startWyomingServer();
  openai = await startOpenAiServer(KEY);
});

afterAll(async () => {
  await wyoming.close();
  await openai.close();
  speech.cleanup();
  clearSecrets();
});

function request(pcm: Buffer, extra: Partial<SttRequest> = {}): SttRequest {
  return { pcm, language: "en", words: [], ...extra };
}

/** Synthesizes and writes the audio as a WAV file for sox to measure. */
async function synthToWav(
  backend: TtsBackend,
  text: string,
  file: string,
): Promise<{ rate: number; chunks: number }> {
  const parts: Buffer[] = [];
  let rate = 0;
  for await (const chunk of backend.synthesize(text, new AbortController().signal)) {
    parts.push(chunk.pcm);
    rate = chunk.rate;
  }
  writeFileSync(file, encodeWav(Buffer.concat(parts), rate));
  return { rate, chunks: parts.length };
}

describe("pocketsphinx", () => {
  it("transcribes espeak-ng's sentence from stdin, no file written", async () => {
    const backend = pocketsphinxBackend({ path: "pocketsphinx_continuous" });
    expect(await backend.transcribe(request(speech.pcm(speech.wav16k)))).toBe(SENTENCE);
    expect(pocketsphinxArgs({ path: "/usr/bin/pocketsphinx_continuous" }).args).toContain("/dev/stdin");
  });

  it("speaks the newer `pocketsphinx single` syntax when that is the binary", () => {
    expect(pocketsphinxArgs({ path: "/usr/local/bin/pocketsphinx", hmm: "/m" })).toEqual({
      args: ["-hmm", "/m", "-samprate", "16000", "single", "-"],
      json: true,
    });
  });
});

describe("whisper.cpp server", () => {
  it("posts the clip to /inference as whisper-server reads it, and shrinks the audio context", async () => {
    // whisper.cpp's examples/server: multipart fields file, response_format, temperature,
    // language, prompt, audio_ctx; answers 200 with {"text"} or {"error"}.
    const fields: Record<string, string> = {};
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = await new Response(Buffer.concat(chunks), {
        headers: { "content-type": req.headers["content-type"] ?? "" },
      }).formData();
      for (const [key, value] of form.entries()) if (typeof value === "string") fields[key] = value;
      const file = form.get("file");
      res.setHeader("content-type", "application/json");
      if (req.url !== "/inference" || !(file instanceof File))
        return res.end(JSON.stringify({ error: "no 'file' field in the request" }));
      const text = await recognise(await toSpeechPcm(Buffer.from(await file.arrayBuffer())));
      res.end(JSON.stringify({ text: ` ${text}\n` }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const backend = whisperServerBackend({
        url: `http://127.0.0.1:${port}`,
        timeoutMs: 20_000,
        shrinkAudioCtx: true,
      });
      expect(
        (await backend.transcribe(request(speech.pcm(speech.wav16k), { prompt: "Hyprland." }))).trim(),
      ).toBe(SENTENCE);
      expect(fields).toMatchObject({ response_format: "json", language: "en", prompt: "Hyprland." });
      // 1.8 s of speech: 92 encoder frames, padded to 256 rather than the full 1500.
      expect(Number(fields.audio_ctx)).toBe(256);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("whisper.cpp arguments", () => {
  it("reads the WAV from stdin, shrinks the audio context for a short clip, passes the vocabulary", () => {
    const args = whisperCliArgs(
      { path: "whisper-cli", model: "/models/ggml-base.en.bin", shrinkAudioCtx: true, threads: 4 },
      { pcm: Buffer.alloc(16000 * 2 * 3), language: "en", prompt: "Hyprland, Zigbee2MQTT." },
    );
    expect(args).toEqual(
      expect.arrayContaining(["-m", "/models/ggml-base.en.bin", "-f", "-", "-l", "en", "-nt", "-t", "4"]),
    );
    const ctx = Number(args[args.indexOf("-ac") + 1]);
    expect(ctx).toBeGreaterThanOrEqual(150);
    expect(ctx).toBeLessThan(1500);
    expect(args[args.indexOf("--prompt") + 1]).toBe("Hyprland, Zigbee2MQTT.");
  });
});

describe("Wyoming", () => {
  it("frames events like the reference library and reads them back split at any byte", () => {
    const bytes = Buffer.concat([
      encodeEvent({ type: "transcript", data: { text: "héllo wörld" } }),
      encodeEvent({
        type: "audio-chunk",
        data: { rate: 16000, width: 2, channels: 1 },
        payload: Buffer.from([1, 2, 3, 4]),
      }),
    ]);
    const decoder = new WyomingDecoder();
    const events = [];
    for (let i = 0; i < bytes.length; i += 7) events.push(...decoder.push(bytes.subarray(i, i + 7)));
    expect(events.map((e) => e.type)).toEqual(["transcript", "audio-chunk"]);
    expect(events[0]!.data.text).toBe("héllo wörld");
    expect([...events[1]!.payload!]).toEqual([1, 2, 3, 4]);
  });

  it("transcribes through a Wyoming server: transcribe, audio-start, chunks, audio-stop", async () => {
    wyoming.received.length = 0;
    const backend = wyomingSttBackend({ url: wyoming.url, timeoutMs: 20_000 });
    expect(await backend.transcribe(request(speech.pcm(speech.wav16k)))).toBe(SENTENCE);
    const types = wyoming.received.map((e) => e.type);
    expect(types[0]).toBe("transcribe");
    expect(types[1]).toBe("audio-start");
    expect(types.at(-1)).toBe("audio-stop");
    expect(wyoming.received[1]!.data).toMatchObject({ rate: 16000, width: 2, channels: 1 });
    const audioBytes = wyoming.received
      .filter((e) => e.type === "audio-chunk")
      .reduce((n, e) => n + e.payloadLength, 0);
    expect(audioBytes).toBe(speech.pcm(speech.wav16k).length);
  });

  it("reports an unreachable server with its address", async () => {
    const backend = wyomingSttBackend({ url: "tcp://127.0.0.1:1", timeoutMs: 2000 });
    await expect(backend.transcribe(request(Buffer.alloc(3200)))).rejects.toThrow(/tcp:\/\/127\.0\.0\.1:1/);
  });

  it("speaks through a Wyoming server, and the audio is speech", async () => {
    const file = join(speech.dir, "wyoming-tts.wav");
    const { rate, chunks } = await synthToWav(
      wyomingTtsBackend({ url: wyoming.url, timeoutMs: 20_000 }),
      "The front door is open.",
      file,
    );
    expect(rate).toBe(22050);
    expect(chunks).toBeGreaterThan(1);
    const stat = soxStat(file);
    expect(stat.rms).toBeGreaterThan(0.02);
    expect(stat.seconds).toBeGreaterThan(0.8);
  });
});

describe("OpenAI-compatible", () => {
  it("transcribes with the SDK: multipart WAV, model, language, vocabulary as prompt", async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: openai.baseUrl, maxRetries: 0 });
    const backend = openaiSttBackend(client, { model: "gpt-4o-mini-transcribe" });
    const text = await backend.transcribe(request(speech.pcm(speech.wav16k), { prompt: "Hyprland." }));
    expect(text).toBe(SENTENCE);
    const sent = openai.requests.at(-1)!;
    expect(sent.fields).toMatchObject({
      model: "gpt-4o-mini-transcribe",
      language: "en",
      prompt: "Hyprland.",
      response_format: "json",
    });
    expect(sent.file?.name).toBe("speech.wav");
  });

  it("says a rejected key is rejected, without repeating the key", async () => {
    const wrong = "sk-wrong-0000000000000000000000000000";
    registerSecret(wrong);
    const client = new OpenAI({ apiKey: wrong, baseURL: openai.baseUrl, maxRetries: 0 });
    const error = await openaiSttBackend(client, { model: "whisper-1", baseUrl: openai.baseUrl })
      .transcribe(request(speech.pcm(speech.wav16k)))
      .catch((e: Error & { hint?: string }) => e);
    expect((error as Error).message).toMatch(/rejected the API key/);
    expect((error as { hint?: string }).hint).toMatch(/deskhub voice setup/);
    expect(scrub(JSON.stringify({ m: (error as Error).message }))).not.toContain(wrong);
  });

  it("streams OpenAI TTS as 24 kHz PCM that sox measures as speech", async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: openai.baseUrl, maxRetries: 0 });
    const file = join(speech.dir, "openai-tts.wav");
    const { rate } = await synthToWav(
      openaiTtsBackend(client, { model: "tts-1", voice: "nova" }),
      "Dinner is ready.",
      file,
    );
    expect(rate).toBe(24000);
    expect(openai.requests.at(-1)!.json).toMatchObject({
      model: "tts-1",
      voice: "nova",
      response_format: "pcm",
      input: "Dinner is ready.",
    });
    const stat = soxStat(file);
    expect(stat.rms).toBeGreaterThan(0.02);
    expect(stat.seconds).toBeGreaterThan(0.5);
  });
});

describe("eSpeak NG", () => {
  it("produces speech, not silence: RMS well above a silent file, plausible length", async () => {
    const file = join(speech.dir, "espeak.wav");
    const backend = espeakBackend({ path: "espeak-ng", voice: "en-us", wordsPerMinute: 175 });
    const { rate } = await synthToWav(backend, "The laundry is finished and the dryer is empty.", file);
    expect(rate).toBe(22050);
    const spoken = soxStat(file);
    const quiet = soxStat(speech.silence);
    expect(spoken.rms).toBeGreaterThan(0.02);
    expect(spoken.rms).toBeGreaterThan(quiet.rms * 100 + 0.01);
    // Nine words at 175 wpm: roughly 2-5 seconds.
    expect(spoken.seconds).toBeGreaterThan(1.5);
    expect(spoken.seconds).toBeLessThan(6);
  });
});

/**
 * Piper's command line as the C++ release has it (`--model VOICE.onnx --output_raw`, text
 * on stdin, raw s16le at the voice's rate on stdout), with eSpeak NG and sox doing the
 * speaking, since no Piper voice ships in any package here.
 */
function piperStandIn(dir: string): string {
  const path = join(dir, "piper");
  writeFileSync(
    path,
    `#!/bin/sh
if [ "$1" = "--help" ]; then
  echo "usage: piper [options]"
  echo "   -m FILE  --model FILE   path to onnx model file"
  echo "   --output_raw           output raw audio to stdout as it becomes available"
  exit 0
fi
model=""
while [ $# -gt 0 ]; do
  case "$1" in
    -m|--model) model="$2"; shift ;;
    --speaker) shift ;;
  esac
  shift
done
[ -f "$model" ] || { echo "[error] Model file doesn't exist" >&2; exit 1; }
rate=$(sed -n 's/.*"sample_rate": *\\([0-9]*\\).*/\\1/p' "$model.json")
espeak-ng -v en-us --stdout "$(cat)" | sox -t wav - -t raw -r "$rate" -c 1 -b 16 -e signed-integer -
`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe("Piper", () => {
  it("streams raw speech at the rate the voice's .onnx.json gives", async () => {
    const piper = piperStandIn(speech.dir);
    const model = join(speech.dir, "en_US-lessac-low.onnx");
    writeFileSync(model, "onnx");
    writeFileSync(
      `${model}.json`,
      JSON.stringify({ audio: { sample_rate: 16000 }, espeak: { voice: "en-us" } }),
    );
    const backend = await piperBackend({ path: piper, model });
    const file = join(speech.dir, "piper.wav");
    const { rate } = await synthToWav(backend, "The kettle has boiled.", file);
    expect(rate).toBe(16000);
    const stat = soxStat(file);
    expect(stat.rms).toBeGreaterThan(0.02);
    expect(stat.seconds).toBeGreaterThan(0.8);
  });

  it("says what is missing when the voice has no .onnx.json, and when the binary is not Piper", async () => {
    const piper = piperStandIn(speech.dir);
    const model = join(speech.dir, "en_GB-alan-medium.onnx");
    writeFileSync(model, "onnx");
    await expect(piperBackend({ path: piper, model })).rejects.toThrow(
      /the Piper voice config .*en_GB-alan-medium\.onnx\.json is missing/,
    );
    const mouse = join(speech.dir, "ratbag-piper");
    writeFileSync(mouse, "#!/bin/sh\necho 'usage: piper [-h]\nGTK application to configure gaming mice'\n");
    chmodSync(mouse, 0o755);
    await expect(piperBackend({ path: mouse, model })).rejects.toThrow(/not the Piper speech synthesiser/);
  });

  it("tells the Piper voice from Debian's mouse tool by its help text", () => {
    expect(piperFlavour("usage: piper [options]\n  -m FILE --model FILE\n  --output_raw  stdout raw")).toBe(
      "output_raw",
    );
    expect(piperFlavour("usage: piper [-h] -m MODEL ... --model MODEL --output-raw")).toBe("output-raw");
    expect(
      piperFlavour("usage: piper [-h] [--version]\nGTK application to configure gaming mice"),
    ).toBeUndefined();
  });
});
