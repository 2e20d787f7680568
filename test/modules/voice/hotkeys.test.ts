import { describe, expect, it } from "vitest";
import { type HotkeyActions, HotkeyMachine } from "../../../src/modules/voice/triggers/hotkeys.ts";

const PTT = 97;
const AI = 54;
const ESC = 1;
const C = 46;

function machine(mode: "hold" | "toggle") {
  const log: string[] = [];
  let recording = false;
  const actions: HotkeyActions = {
    start: (kind) => {
      recording = true;
      log.push(`start ${kind}`);
    },
    stop: (kind) => {
      recording = false;
      log.push(`stop ${kind}`);
    },
    cancel: () => {
      recording = false;
      log.push("cancel");
    },
    interrupt: () => log.push("interrupt"),
    recording: () => recording,
  };
  return { m: new HotkeyMachine({ ptt: PTT, ai: AI, interrupt: ESC, mode }, actions), log };
}

describe("push-to-talk keys", () => {
  it("hold: records while the key is down, ignores auto-repeat", () => {
    const { m, log } = machine("hold");
    m.key(PTT, 1);
    m.key(PTT, 2);
    m.key(PTT, 2);
    m.key(PTT, 0);
    expect(log).toEqual(["start dictation", "stop dictation"]);
  });

  it("hold: the AI key held with it, before or during, makes it an AI turn", () => {
    const before = machine("hold");
    before.m.key(AI, 1);
    before.m.key(PTT, 1);
    before.m.key(AI, 0);
    before.m.key(PTT, 0);
    expect(before.log).toEqual(["start ai", "stop ai"]);
    const during = machine("hold");
    during.m.key(PTT, 1);
    during.m.key(AI, 1);
    during.m.key(PTT, 0);
    expect(during.log).toEqual(["start dictation", "stop ai"]);
  });

  it("hold: right Ctrl + C is a shortcut, not dictation: the recording is dropped", () => {
    const { m, log } = machine("hold");
    m.key(PTT, 1);
    m.key(C, 1);
    m.key(C, 0);
    m.key(PTT, 0);
    expect(log).toEqual(["start dictation", "cancel"]);
  });

  it("toggle: one press starts, the next stops", () => {
    const { m, log } = machine("toggle");
    m.key(PTT, 1);
    m.key(PTT, 0);
    m.key(PTT, 1);
    m.key(PTT, 0);
    expect(log).toEqual(["start dictation", "stop dictation"]);
  });

  it("the interrupt key interrupts in any state", () => {
    const { m, log } = machine("hold");
    m.key(ESC, 1);
    m.key(PTT, 1);
    m.key(ESC, 1);
    m.key(PTT, 0);
    expect(log).toEqual(["interrupt", "start dictation", "interrupt"]);
  });

  it("tells when the keys are up, so typing does not happen with Shift held", async () => {
    const { m } = machine("hold");
    m.key(AI, 1);
    m.key(PTT, 1);
    m.key(PTT, 0);
    let released = false;
    const waiting = m.keysReleased().then(() => (released = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(released).toBe(false);
    m.key(AI, 0);
    await waiting;
    expect(released).toBe(true);
  });
});
