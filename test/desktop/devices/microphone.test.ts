import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MicrophoneWatcher,
  type MicState,
  probeMicrophone,
} from "../../../src/desktop/devices/microphone.ts";
import {
  isSourceOutputEvent,
  parseShortSources,
  parseSourceOutputs,
} from "../../../src/desktop/devices/pactl.ts";
import { parseCaptureStreams } from "../../../src/desktop/devices/pipewire.ts";
import { repoRoot } from "../../helpers/sandbox.ts";

const fixtures = join(repoRoot, "test/fixtures/presence/audio");
const bin = join(repoRoot, "test/fixtures/presence/bin-audio");
const fixture = (name: string) => readFileSync(join(fixtures, name), "utf8");

describe("microphone in use", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "deskhub-mic-"));
    copyFileSync(join(fixtures, "sources.txt"), join(dir, "sources.txt"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads pactl's source outputs: source, corked state and properties", () => {
    const outputs = parseSourceOutputs(fixture("source-outputs-recording.txt"));
    expect(outputs.map((o) => [o.index, o.source, o.corked])).toEqual([
      [84, 56, false],
      [97, 55, false],
      [105, 56, false],
      [113, 68, true],
    ]);
    expect(outputs[0]!.properties).toMatchObject({
      "application.name": "Firefox",
      "application.process.id": "3719",
      "media.class": "Stream/Input/Audio",
    });
    expect(parseShortSources(fixture("sources.txt")).get(55)).toBe(
      "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor",
    );
    expect(isSourceOutputEvent("Event 'new' on source-output #84")).toBe(true);
    expect(isSourceOutputEvent("Event 'change' on sink #50")).toBe(false);
  });

  it("reads pw-dump's graph: capture streams and what they are linked from", () => {
    const streams = parseCaptureStreams(fixture("pw-dump.json"));
    expect(streams.map((s) => [s.application, s.state, s.from])).toEqual([
      ["Firefox", "running", ["Audio/Source"]],
      ["OBS", "running", ["Audio/Sink"]],
      ["ZOOM VoiceEngine", "idle", []],
    ]);
    expect(streams[0]).toMatchObject({ pid: 3719, binary: "firefox" });
  });

  const pactlEnv = () => ({ PATH: `${bin}:/usr/bin:/bin`, FAKE_PACTL_DIR: dir });

  it("counts only uncorked recordings from a real source, not monitors or ignored meters", async () => {
    copyFileSync(join(fixtures, "source-outputs-recording.txt"), join(dir, "source-outputs.txt"));
    const state = await probeMicrophone({ env: pactlEnv(), backend: "auto", ignore: ["pavucontrol"] });
    expect(state).toEqual({
      available: true,
      backend: "pactl",
      inUse: true,
      users: [{ application: "Firefox", pid: 3719, binary: "firefox" }],
    });
    copyFileSync(join(fixtures, "source-outputs-quiet.txt"), join(dir, "source-outputs.txt"));
    expect(
      await probeMicrophone({ env: pactlEnv(), backend: "auto", ignore: ["pavucontrol"] }),
    ).toMatchObject({
      inUse: false,
      users: [],
    });
    // Without the ignore list the level meter would count: the list is what keeps it out.
    expect(await probeMicrophone({ env: pactlEnv(), backend: "auto", ignore: [] })).toMatchObject({
      inUse: true,
    });
  });

  it("falls back to pw-dump when pactl cannot reach a server", async () => {
    writeFileSync(join(dir, "down"), "");
    try {
      const env = { ...pactlEnv(), FAKE_PW_DUMP: join(fixtures, "pw-dump.json") };
      const state = await probeMicrophone({ env, backend: "auto", ignore: [] });
      expect(state).toMatchObject({ available: true, backend: "pw-dump", inUse: true });
      expect(state.users).toEqual([{ application: "Firefox", pid: 3719, binary: "firefox" }]);
      const quiet = { ...env, FAKE_PW_DUMP: join(fixtures, "pw-dump-quiet.json") };
      expect(await probeMicrophone({ env: quiet, backend: "pw-dump", ignore: [] })).toMatchObject({
        inUse: false,
      });
    } finally {
      rmSync(join(dir, "down"));
    }
  });

  it("says plainly that it cannot tell when neither PulseAudio nor PipeWire answers", async () => {
    const none = await probeMicrophone({ env: { PATH: "/nonexistent" }, backend: "auto", ignore: [] });
    expect(none).toMatchObject({ available: false, backend: "none", inUse: false });
    expect(none.reason).toBe(
      "no PulseAudio or PipeWire to ask (pactl is not installed; pw-dump is not installed)",
    );
    writeFileSync(join(dir, "down"), "");
    try {
      const down = await probeMicrophone({
        env: { PATH: bin, FAKE_PACTL_DIR: dir },
        backend: "pactl",
        ignore: [],
      });
      expect(down.available).toBe(false);
      expect(down.reason).toContain("Connection failure: Connection refused");
    } finally {
      rmSync(join(dir, "down"));
    }
  });

  it("follows `pactl subscribe` events instead of polling", async () => {
    copyFileSync(join(fixtures, "source-outputs-quiet.txt"), join(dir, "source-outputs.txt"));
    writeFileSync(join(dir, "events"), "");
    const states: MicState[] = [];
    const watcher = new MicrophoneWatcher({
      env: pactlEnv(),
      backend: "auto",
      ignore: ["pavucontrol"],
      // Far longer than the test: a change seen in time came through the event stream.
      pollMs: 600_000,
      onChange: (state) => states.push(state),
    });
    await watcher.start();
    try {
      expect(states.at(-1)).toMatchObject({ backend: "pactl", inUse: false });
      // Give `tail -F` a moment to open the file before the event is written.
      await new Promise((r) => setTimeout(r, 300));
      copyFileSync(join(fixtures, "source-outputs-recording.txt"), join(dir, "source-outputs.txt"));
      appendFileSync(join(dir, "events"), "Event 'new' on source-output #84\n");
      await expect.poll(() => states.at(-1)?.inUse, { timeout: 5000 }).toBe(true);
      copyFileSync(join(fixtures, "source-outputs-quiet.txt"), join(dir, "source-outputs.txt"));
      appendFileSync(join(dir, "events"), "Event 'remove' on source-output #84\n");
      await expect.poll(() => states.at(-1)?.inUse, { timeout: 5000 }).toBe(false);
    } finally {
      await watcher.stop();
    }
  });
});
