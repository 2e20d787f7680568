import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSpeechFile } from "../../src/desktop/audio/decode.ts";
import { MicMute } from "../../src/desktop/audio/mic-mute.ts";
import { durationMs, levelPercent, rms, trimSilence, voicedMs } from "../../src/desktop/audio/pcm.ts";
import { openPlayer, wavFileSink } from "../../src/desktop/audio/playback.ts";
import { startRecording, WarmCapture } from "../../src/desktop/audio/recorder.ts";
import { UtteranceSegmenter } from "../../src/desktop/audio/segmenter.ts";
import { encodeWav, parseWav } from "../../src/desktop/audio/wav.ts";
import { makeSpeech, type SpeechFiles, soxRaw, soxStat } from "../modules/voice/speech.ts";

let speech: SpeechFiles;
beforeAll(() => {
  speech = makeSpeech();
});
afterAll(() => speech.cleanup());

describe("PCM measures", () => {
  it("tells speech from silence and faint noise by RMS and level", () => {
    const voice = speech.pcm(speech.wav16k);
    expect(rms(voice)).toBeGreaterThan(0.03);
    expect(rms(speech.pcm(speech.silence))).toBeLessThan(0.001);
    expect(levelPercent(rms(voice))).toBeGreaterThan(50);
    expect(levelPercent(rms(speech.pcm(speech.noise)))).toBeLessThan(25);
  });

  it("trims the silence around speech and leaves the speech", () => {
    const padded = speech.pcm(speech.padded);
    const trimmed = trimSilence(padded, { threshold: 0.01, padMs: 100 });
    expect(durationMs(padded)).toBeGreaterThan(3500);
    expect(durationMs(trimmed)).toBeLessThan(durationMs(padded) - 1500);
    expect(voicedMs(trimmed, 0.01)).toBe(voicedMs(padded, 0.01));
    expect(trimSilence(speech.pcm(speech.silence), { threshold: 0.01 }).length).toBe(0);
  });

  it("writes and reads WAV, skipping chunks editors add", () => {
    const pcm = speech.pcm(speech.wav16k);
    const wav = encodeWav(pcm, 16000);
    const withList = Buffer.concat([
      wav.subarray(0, 36),
      Buffer.from("LIST"),
      Buffer.from([4, 0, 0, 0]),
      Buffer.from("INFO"),
      wav.subarray(36),
    ]);
    const parsed = parseWav(withList);
    expect(parsed).toMatchObject({ rate: 16000, channels: 1, bitsPerSample: 16 });
    expect(Buffer.compare(Buffer.from(parsed.data), pcm)).toBe(0);
    expect(() => parseWav(Buffer.from("not a wav file at all"), "x.wav")).toThrow(/x\.wav is not a WAV/);
  });

  it("decodes espeak's 22 kHz WAV to 16 kHz for recognisers", async () => {
    const pcm = await readSpeechFile(speech.wav22k);
    expect(Math.abs(durationMs(pcm) - soxStat(speech.wav22k).seconds * 1000)).toBeLessThan(50);
    await expect(readSpeechFile(join(speech.dir, "missing.wav"))).rejects.toThrow(/no such file/);
  });
});

describe("recorder", () => {
  it("takes PCM from any command into memory, exactly as the command wrote it", async () => {
    const recording = startRecording({ kind: "command", argv: soxRaw(speech.wav16k) });
    await recording.ended;
    const pcm = await recording.stop();
    expect(recording.firstSampleAt).toBeDefined();
    expect(Buffer.compare(pcm, speech.pcm(speech.wav16k))).toBe(0);
  });

  it("strips a WAV header written to the pipe (older pw-record) and refuses a wrong format", async () => {
    const recording = startRecording({ kind: "command", argv: ["sox", speech.wav16k, "-t", "wav", "-"] });
    await recording.ended;
    expect(Buffer.compare(await recording.stop(), speech.pcm(speech.wav16k))).toBe(0);
    const wrong = startRecording({ kind: "command", argv: ["sox", speech.wav22k, "-t", "wav", "-"] });
    await wrong.ended;
    await expect(wrong.stop()).rejects.toThrow(/22050 Hz.*needs 16000 Hz/);
  });

  it("stops at the maximum length and reports the level while recording", async () => {
    const levels: number[] = [];
    const argv = [
      "sox",
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
      speech.padded,
      "-t",
      "raw",
      "-",
    ];
    const recording = startRecording(
      { kind: "command", argv },
      { maxMs: 1500, onLevel: (l) => levels.push(l), levelIntervalMs: 0 },
    );
    let limited = false;
    recording.on("limit", () => (limited = true));
    await recording.ended;
    const pcm = await recording.stop();
    expect(limited).toBe(true);
    expect(durationMs(pcm)).toBe(1500);
    expect(Math.max(...levels)).toBeGreaterThan(40);
    expect(levels.at(-1)).toBe(0);
  });

  it("explains a capture program that is missing or fails", async () => {
    const missing = startRecording({ kind: "command", argv: ["no-such-recorder-xyz"] });
    await missing.ended;
    await expect(missing.stop()).rejects.toThrow(/not installed/);
    const failing = startRecording({
      kind: "command",
      argv: ["sox", join(speech.dir, "nope.wav"), "-t", "raw", "-"],
    });
    await failing.ended;
    await expect(failing.stop()).rejects.toThrow(/sox stopped recording: .*nope\.wav/);
  });

  it("keeps a warm capture running and starts a recording with the pre-roll", async () => {
    // ffmpeg -re paces a 440 Hz tone in real time, like a microphone.
    const warm = new WarmCapture({
      argv: [
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=16000:duration=20",
        "-ac",
        "1",
        "-f",
        "s16le",
        "-",
      ],
      preRollMs: 300,
    });
    warm.start();
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const recording = warm.begin();
      expect(recording.firstSampleAt).toBeDefined();
      expect(recording.bytes).toBeGreaterThanOrEqual(16000 * 2 * 0.3);
      await new Promise((r) => setTimeout(r, 500));
      const pcm = await recording.stop();
      expect(durationMs(pcm)).toBeGreaterThan(650);
      expect(durationMs(pcm)).toBeLessThan(1500);
      // lavfi's sine has amplitude 1/8: RMS 0.088.
      expect(rms(pcm)).toBeGreaterThan(0.05);
    } finally {
      await warm.close();
    }
  });
});

describe("utterance segmenter", () => {
  it("cuts speech, pause, speech into two utterances and ignores the silence", () => {
    const voice = speech.pcm(speech.wav16k);
    const pause = Buffer.alloc(16000 * 2);
    const segmenter = new UtteranceSegmenter({ threshold: 0.01, silenceMs: 600 });
    const stream = Buffer.concat([pause, voice, pause, voice, pause]);
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 3200) out.push(...segmenter.push(stream.subarray(i, i + 3200)));
    const rest = segmenter.flush();
    if (rest) out.push(rest);
    expect(out).toHaveLength(2);
    for (const utterance of out)
      expect(Math.abs(durationMs(utterance) - durationMs(voice))).toBeLessThan(1000);
  });
});

describe("playback", () => {
  it("streams PCM into a player command and into a WAV file", async () => {
    const played = join(speech.dir, "played.wav");
    const sink = await openPlayer(
      { rate: 16000 },
      {
        command: [
          "sox",
          "-t",
          "raw",
          "-r",
          "{rate}",
          "-c",
          "{channels}",
          "-b",
          "16",
          "-e",
          "signed-integer",
          "-",
          played,
        ],
      },
    );
    await sink.write(speech.pcm(speech.wav16k));
    await sink.end();
    expect(soxStat(played).rms).toBeGreaterThan(0.02);
    const file = join(speech.dir, "sink.wav");
    const wav = wavFileSink(file, { rate: 16000 });
    await wav.write(speech.pcm(speech.wav16k));
    await wav.end();
    expect(parseWav(readFileSync(file)).data.length).toBe(speech.pcm(speech.wav16k).length);
  });

  it("stops a player at once on abort", async () => {
    const sink = await openPlayer({ rate: 16000 }, { command: ["sh", "-c", "sleep 30"] });
    const started = Date.now();
    sink.abort();
    await sink.end();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("microphone mute while speaking", () => {
  it("mutes with wpctl, unmutes after, and leaves a mic the user muted alone", async () => {
    const bin = join(speech.dir, "bin");
    const state = join(speech.dir, "mic-state");
    mkdirSync(bin, { recursive: true });
    // A stand-in for WirePlumber's wpctl with its real output format, keeping state in a file.
    writeFileSync(
      join(bin, "wpctl"),
      `#!/bin/sh
state="${state}"
case "$1" in
  get-volume) if [ "$(cat "$state")" = 1 ]; then echo "Volume: 1.00 [MUTED]"; else echo "Volume: 1.00"; fi ;;
  set-mute) echo "$3" > "$state"; echo "$3" >> "$state.log" ;;
esac
`,
    );
    chmodSync(join(bin, "wpctl"), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    writeFileSync(state, "0");
    const mic = new MicMute({ env, prefer: ["wpctl"] });
    const release = await mic.hold();
    expect(readFileSync(state, "utf8").trim()).toBe("1");
    await release();
    expect(readFileSync(state, "utf8").trim()).toBe("0");
    writeFileSync(state, "1");
    const again = await mic.hold();
    await again();
    expect(readFileSync(state, "utf8").trim()).toBe("1");
    expect(readFileSync(`${state}.log`, "utf8").trim().split("\n")).toEqual(["1", "0"]);
  });
});
