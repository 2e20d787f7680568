import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MicMute } from "../../../src/desktop/audio/mic-mute.ts";
import type { PcmSink } from "../../../src/desktop/audio/playback.ts";
import { mutedWhilePlaying } from "../../../src/modules/voice/tts/muted-sink.ts";

let dir: string;
let state: string;
let mic: MicMute;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deskhub-muted-"));
  const bin = join(dir, "bin");
  state = join(dir, "mic-state");
  mkdirSync(bin);
  // WirePlumber's wpctl, as far as muting goes: its real output, the state kept in a file.
  writeFileSync(
    join(bin, "wpctl"),
    `#!/bin/sh
case "$1" in
  get-volume) if [ "$(cat "${state}")" = 1 ]; then echo "Volume: 1.00 [MUTED]"; else echo "Volume: 1.00"; fi ;;
  set-mute) echo "$3" > "${state}" ;;
esac
`,
  );
  chmodSync(join(bin, "wpctl"), 0o755);
  writeFileSync(state, "0");
  mic = new MicMute({ env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, prefer: ["wpctl"] });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const muted = () => readFileSync(state, "utf8").trim() === "1";

function player(): PcmSink & { written: number } {
  return {
    name: "test",
    written: 0,
    async write(pcm) {
      this.written += pcm.length;
    },
    async end() {},
    abort() {},
  };
}

describe("the Realtime answer's player", () => {
  it("keeps the microphone muted while it plays, and unmutes after the end or an interrupt", async () => {
    const open = mutedWhilePlaying(async () => player(), mic);
    const played = await open({ rate: 24_000, channels: 1 });
    expect(muted()).toBe(true);
    await played.write(Buffer.alloc(480));
    await played.end();
    expect(muted()).toBe(false);

    const stopped = await open({ rate: 24_000, channels: 1 });
    expect(muted()).toBe(true);
    stopped.abort();
    await expect.poll(muted).toBe(false);
  });

  it("gives the microphone back when the player cannot start", async () => {
    const open = mutedWhilePlaying(async () => {
      throw new Error("pw-play is not installed");
    }, mic);
    await expect(open({ rate: 24_000, channels: 1 })).rejects.toThrow(/pw-play/);
    expect(muted()).toBe(false);
  });
});
