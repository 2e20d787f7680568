import { describe, expect, it } from "vitest";
import { cleanTranscript } from "../../../src/modules/voice/pipeline/clean.ts";
import { SentenceSplitter, sentences } from "../../../src/modules/voice/tts/sentences.ts";
import { parseVocabulary, vocabularyPrompt } from "../../../src/modules/voice/vocabulary.ts";

const speech = { voicedMs: 2000 };
const silence = { voicedMs: 0 };

describe("hallucination filter", () => {
  it("drops Whisper's silence phrases whatever the punctuation and case", () => {
    for (const phrase of [
      "Thank you for watching",
      "Thanks for watching!",
      " thanks for watching. ",
      "Please subscribe.",
      "Subtitles by the Amara.org community",
    ]) {
      expect(cleanTranscript(phrase, speech)).toBe("");
    }
  });

  it("drops non-speech annotations and keeps the words around them", () => {
    expect(cleanTranscript("[BLANK_AUDIO]", silence)).toBe("");
    expect(cleanTranscript("(music) ♪", silence)).toBe("");
    expect(cleanTranscript("[BLANK_AUDIO] send the report [Music]", speech)).toBe("send the report");
  });

  it('drops "you" and "thank you" heard on silence but keeps them when someone spoke', () => {
    expect(cleanTranscript("you", silence)).toBe("");
    expect(cleanTranscript(" Thank you.", silence)).toBe("");
    expect(cleanTranscript("Thank you.", speech)).toBe("Thank you.");
    expect(cleanTranscript("you", speech)).toBe("you");
  });

  it("cuts a sign-off glued to real speech and keeps the speech", () => {
    expect(cleanTranscript("Meet me at noon. Thanks for watching!", speech)).toBe("Meet me at noon.");
  });

  it("drops the user's own extra phrases", () => {
    expect(
      cleanTranscript("Sous-titres réalisés par la communauté", {
        ...speech,
        extra: ["sous-titres réalisés par la communauté"],
      }),
    ).toBe("");
  });

  it("applies replacements as whole words, case-insensitive, including Unicode", () => {
    const replacements = { "open ai": "OpenAI", "deck hub": "deskhub", café: "Café" };
    expect(cleanTranscript("ask open AI about deck hub", { ...speech, replacements })).toBe(
      "ask OpenAI about deskhub",
    );
    expect(cleanTranscript("reopen aisle", { ...speech, replacements })).toBe("reopen aisle");
    expect(cleanTranscript("the café opens", { ...speech, replacements })).toBe("the Café opens");
  });
});

describe("vocabulary", () => {
  it("reads one entry per line, skipping comments, blanks and duplicates", () => {
    expect(
      parseVocabulary("Kubernetes\n# names\nHyprland  # compositor\n\nkubernetes\nZigbee2MQTT\n"),
    ).toEqual(["Kubernetes", "Hyprland", "Zigbee2MQTT"]);
  });

  it("becomes a prompt that spells the words, capped at Whisper's prompt size", () => {
    expect(vocabularyPrompt(["Hyprland", "Zigbee2MQTT"])).toBe("Hyprland, Zigbee2MQTT.");
    expect(vocabularyPrompt([])).toBeUndefined();
    const many = Array.from({ length: 500 }, (_, i) => `word${i}`);
    expect(vocabularyPrompt(many)!.length).toBeLessThanOrEqual(801);
  });
});

describe("sentence splitting for streamed speech", () => {
  it("emits a sentence as soon as it is complete, before the rest of the text arrives", () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push("The kettle is on")).toEqual([]);
    expect(splitter.push(". Tea in three minutes! Want")).toEqual([
      "The kettle is on.",
      "Tea in three minutes!",
    ]);
    expect(splitter.push(" milk?")).toEqual([]);
    expect(splitter.flush()).toEqual(["Want milk?"]);
  });

  it("does not split after abbreviations, initials or decimal numbers", async () => {
    const out: string[] = [];
    for await (const s of sentences("Dr. Smith and J. Doe paid 3.50 euros. Then they left.")) out.push(s);
    expect(out).toEqual(["Dr. Smith and J. Doe paid 3.50 euros.", "Then they left."]);
  });

  it("splits streamed pieces from an async source", async () => {
    async function* stream() {
      for (const piece of ["It is ", "sunny. ", "Take a hat", "."]) yield piece;
    }
    const out: string[] = [];
    for await (const s of sentences(stream())) out.push(s);
    expect(out).toEqual(["It is sunny.", "Take a hat."]);
  });
});
