/**
 * Key release to text ready, minus the recogniser's own time on the same audio run by
 * itself: the pipeline's overhead (goal < 50 ms). Same run, interleaved:
 *  - pipeline: VoicePipeline.stop() (the key release) until the cleaned text is ready
 *    to type, with pocketsphinx as the engine and espeak-ng's sentence as the
 *    "microphone" (sox playing the file into the recorder);
 *  - engine alone: pocketsphinx_continuous on the same trimmed audio from a file, spawn
 *    to exit, as a user would run it by hand.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { silentLogger } from "../src/core/log.ts";
import { Store } from "../src/core/store.ts";
import { prepareAudio } from "../src/modules/voice/pipeline/audio.ts";
import { type TurnTimings, VoicePipeline } from "../src/modules/voice/pipeline/pipeline.ts";
import { RecordStage } from "../src/modules/voice/pipeline/record.ts";
import { VoiceStatus } from "../src/modules/voice/status.ts";
import { pocketsphinxBackend } from "../src/modules/voice/stt/pocketsphinx.ts";
import { Speaker } from "../src/modules/voice/tts/speaker.ts";
import { median, percentile, table } from "./lib.ts";

const runs = Number(process.env.BENCH_RUNS ?? 10);
const dir = mkdtempSync(join(tmpdir(), "deskhub-bench-voice-"));
const wav = join(dir, "speech.wav");
execFileSync("espeak-ng", ["-v", "en-us", "-w", join(dir, "s22.wav"), "what is the weather like tomorrow"]);
execFileSync("sox", [join(dir, "s22.wav"), "-r", "16000", "-c", "1", "-b", "16", wav]);
const raw = execFileSync("sox", [wav, "-t", "raw", "-e", "signed-integer", "-"]);
const trimmed = prepareAudio(raw, { threshold: 0.01, minSpeechMs: 200, trim: true })!;
const trimmedFile = join(dir, "trimmed.raw");
writeFileSync(trimmedFile, trimmed.pcm);

const log = silentLogger();
const unused = async (): Promise<never> => {
  throw new Error("not used");
};
let lastTimings: TurnTimings | undefined;
const store = new Store();
const status = new VoiceStatus(store);
status.define();
let typedAt = 0;
const pipeline = new VoicePipeline({
  record: new RecordStage({
    source: {
      kind: "command",
      argv: ["sox", wav, "-t", "raw", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-"],
    },
    keepWarm: false,
    preRollMs: 0,
    env: process.env,
    log,
  }),
  stt: async () => pocketsphinxBackend({ path: "pocketsphinx_continuous" }),
  vocabulary: async () => ({ words: [], prompt: undefined }),
  typer: async () => ({
    name: "bench",
    type: async () => {
      typedAt = performance.now();
    },
  }),
  status,
  speaker: new Speaker({ tts: unused, openSink: unused }),
  openSink: unused,
  settings: () => ({
    language: "en",
    maxMs: 60_000,
    silenceThreshold: 0.01,
    minSpeechMs: 200,
    trimSilence: true,
    hallucinations: [],
    replacements: {},
    trailingSpace: true,
  }),
  log,
  onTimings: (t) => (lastTimings = t),
});

function engineAlone(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      "pocketsphinx_continuous",
      ["-infile", trimmedFile, "-samprate", "16000", "-logfn", "/dev/null"],
      {
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c));
    child.on("close", (code) =>
      code === 0 && out.includes("weather")
        ? resolve(performance.now() - started)
        : reject(new Error(`pocketsphinx: ${code} ${out}`)),
    );
  });
}

const ready: number[] = [];
const typed: number[] = [];
const engine: number[] = [];
const sttInPipeline: number[] = [];
const overhead: number[] = [];
/** Within one turn, so the machine's load (which moves the engine's time run to run) cancels out. */
const own: number[] = [];
for (let i = 0; i < runs; i++) {
  pipeline.start();
  // Let sox deliver the whole sentence, as if the user spoke it and then let go.
  await new Promise((r) => setTimeout(r, 300));
  const released = performance.now();
  const result = await pipeline.stop();
  if (result.outcome !== "typed") throw new Error(`turn ${i}: ${result.outcome} ${result.error ?? ""}`);
  const alone = await engineAlone();
  const t = lastTimings!;
  ready.push(t.readyMs);
  typed.push(typedAt - released);
  engine.push(alone);
  sttInPipeline.push(t.sttMs);
  overhead.push(t.readyMs - alone);
  own.push(t.readyMs - t.sttMs);
}
rmSync(dir, { recursive: true, force: true });
const base = median(engine);
table(
  `Key release to text ready vs pocketsphinx alone on the same audio (${runs} runs, ${Math.round(trimmed.durationMs)} ms of speech, Node ${process.version})`,
  ["measure", "p50 ms", "p90 ms", "ratio to engine alone (p50)", "goal"],
  [
    [
      "engine alone: pocketsphinx_continuous on the trimmed audio (baseline)",
      median(engine),
      percentile(engine, 90),
      1,
      "",
    ],
    ["pipeline: key release to text ready", median(ready), percentile(ready, 90), median(ready) / base, ""],
    [
      "pipeline: key release to text handed to the typer",
      median(typed),
      percentile(typed, 90),
      median(typed) / base,
      "",
    ],
    [
      "  of which the engine inside the pipeline",
      median(sttInPipeline),
      percentile(sttInPipeline, 90),
      median(sttInPipeline) / base,
      "",
    ],
    [
      "overhead: text ready minus engine alone",
      median(overhead),
      percentile(overhead, 90),
      median(overhead) / base,
      "< 50 ms",
    ],
    [
      "  the pipeline's own time: text ready minus its engine, same turn",
      median(own),
      percentile(own, 90),
      median(own) / base,
      "< 50 ms",
    ],
  ],
);
