import { describe, expect, it } from "vitest";
import { firstAnswer, spokenConfirm, yesOrNo } from "../../../../src/modules/voice/ai/confirm.ts";
import type { Confirm, ConfirmRequest } from "../../../../src/modules/voice/ai/ports.ts";
import { recordingSpeech } from "./support.ts";

const request = (signal = new AbortController().signal): ConfirmRequest => ({
  tool: "run_command",
  summary: "run: git push",
  detail: "{}",
  timeoutMs: 3000,
  signal,
});

const answersAfter =
  (ms: number, answer: "approve" | "deny" | "timeout"): Confirm =>
  () =>
    new Promise((resolve) => setTimeout(() => resolve(answer), ms));

describe("confirming a tool call", () => {
  it("hears yes and no in what people say, no winning over yes", () => {
    expect(yesOrNo("yes go ahead")).toBe("approve");
    expect(yesOrNo("okay")).toBe("approve");
    expect(yesOrNo("no don't")).toBe("deny");
    expect(yesOrNo("yes no wait")).toBe("deny");
    expect(yesOrNo("what was that")).toBeUndefined();
  });

  it("asks out loud and listens for the answer", async () => {
    const speech = recordingSpeech();
    const listened: number[] = [];
    const confirm = spokenConfirm(speech, async (ms) => {
      listened.push(ms);
      return "yes please";
    });
    expect(await confirm(request())).toBe("approve");
    expect(speech.said.map((s) => s.sentence)).toEqual(["Shall I run: git push? Say yes or no."]);
    expect(listened).toEqual([3000]);
    const mumbled = spokenConfirm(speech, async () => "hmm");
    expect(await mumbled(request())).toBe("timeout");
  });

  it("takes the first clear answer from any channel; silence everywhere is a timeout", async () => {
    expect(await firstAnswer(answersAfter(200, "approve"), answersAfter(10, "deny"))(request())).toBe("deny");
    expect(await firstAnswer(answersAfter(10, "timeout"), answersAfter(50, "approve"))(request())).toBe(
      "approve",
    );
    expect(await firstAnswer(answersAfter(10, "timeout"), answersAfter(20, "timeout"))(request())).toBe(
      "timeout",
    );
    const failing: Confirm = async () => {
      throw new Error("no notification server");
    };
    expect(await firstAnswer(failing, answersAfter(10, "approve"))(request())).toBe("approve");
  });
});
