/**
 * Key press to first captured sample (goal < 100 ms), through the voice pipeline's own
 * trigger path: VoicePipeline.start -> RecordStage -> capture process -> first PCM
 * chunk in memory. Baseline in the same run: spawning `true` and waiting for its exit.
 *
 * This machine has no sound card, PipeWire or PulseAudio, so the capture programs are
 * stand-ins that start like them: sox (a small native program, as arecord, pw-record
 * and parecord are) synthesising a tone, and ffmpeg, the heaviest of the four detected
 * recorders, reading a lavfi source paced in real time. `keep_warm` is measured too.
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { silentLogger } from "../src/core/log.ts";
import { Store } from "../src/core/store.ts";
import { VoicePipeline } from "../src/modules/voice/pipeline/pipeline.ts";
import { RecordStage } from "../src/modules/voice/pipeline/record.ts";
import { VoiceStatus } from "../src/modules/voice/status.ts";
import { Speaker } from "../src/modules/voice/tts/speaker.ts";
import { median, percentile, table } from "./lib.ts";

const runs = Number(process.env.BENCH_RUNS ?? 20);
const log = silentLogger();
const unused = async (): Promise<never> => {
  throw new Error("not used in this benchmark");
};

const SOX = [
  "sox",
  "-n",
  "-t",
  "raw",
  "-r",
  "16000",
  "-c",
  "1",
  "-b",
  "16",
  "-e",
  "signed-integer",
  "-",
  "synth",
  "30",
  "sine",
  "440",
];
const FFMPEG = [
  ...["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-fflags", "nobuffer", "-re"],
  ...[
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=16000",
    "-ac",
    "1",
    "-f",
    "s16le",
    "-flush_packets",
    "1",
    "-",
  ],
];

/** Key press (pipeline.start) to the first PCM chunk in memory, `runs` times. */
async function firstSample(argv: string[], keepWarm: boolean): Promise<number[]> {
  const store = new Store();
  const status = new VoiceStatus(store);
  status.define();
  const record = new RecordStage({
    source: { kind: "command", argv },
    keepWarm,
    preRollMs: 300,
    env: process.env,
    log,
  });
  let resolveSample: (ms: number) => void = () => {};
  const pipeline = new VoicePipeline({
    record,
    stt: unused,
    vocabulary: async () => ({ words: [], prompt: undefined }),
    typer: unused,
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
    onFirstSample: (ms) => resolveSample(ms),
  });
  if (keepWarm) await new Promise((r) => setTimeout(r, 1500));
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const sample = new Promise<number>((resolve) => (resolveSample = resolve));
    pipeline.start();
    out.push(await sample);
    pipeline.cancel();
    await new Promise((r) => setTimeout(r, 50));
  }
  await record.close();
  return out;
}

function spawnTrue(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => spawn("true").on("exit", () => resolve(performance.now() - started)));
}

const baseline: number[] = [];
for (let i = 0; i < runs; i++) baseline.push(await spawnTrue());
const cases: Record<string, number[]> = {
  "spawn `true` until it exits (baseline)": baseline,
  "cold start: sox (native recorder stand-in)": await firstSample(SOX, false),
  "cold start: ffmpeg -f lavfi -re": await firstSample(FFMPEG, false),
  "keep_warm: ffmpeg, 300 ms pre-roll": await firstSample(FFMPEG, true),
};
const base = median(baseline);
table(
  `Key press to first captured sample (${runs} runs each, Node ${process.version})`,
  ["case", "p50 ms", "p95 ms", "ratio to baseline (p50)", "goal"],
  Object.entries(cases).map(([name, values]) => [
    name,
    median(values),
    percentile(values, 95),
    median(values) / base,
    name.includes("baseline") ? "" : "< 100 ms",
  ]),
);
