import { describe, expect, it } from "vitest";
import { SentenceStream, speakable } from "../../../../src/modules/voice/ai/conversation/sentences.ts";

/** Feeds text in small pieces, as a model streams it, and collects the sentences. */
function split(text: string, piece = 3): string[] {
  const out: string[] = [];
  const stream = new SentenceStream((s) => out.push(s), { flushMs: 10_000 });
  for (let i = 0; i < text.length; i += piece) stream.push(text.slice(i, i + piece));
  stream.flush();
  return out;
}

describe("sentences from a streamed answer", () => {
  it("emits each sentence as soon as the next one begins, before the text is complete", () => {
    const out: string[] = [];
    const stream = new SentenceStream((s) => out.push(s), { flushMs: 10_000 });
    stream.push("It will rain tomorrow.");
    expect(out).toEqual([]); // a full stop alone does not prove the sentence is over
    stream.push(" Take");
    expect(out).toEqual(["It will rain tomorrow."]);
    stream.push(" an umbrella! Anything else");
    expect(out).toEqual(["It will rain tomorrow.", "Take an umbrella!"]);
    stream.close();
  });

  it("keeps abbreviations, initials, decimals and times inside their sentence", () => {
    expect(
      split(
        "Dr. Smith sees you at 3.30 p.m. on Friday. The fee is 12.50 euros, e.g. cash works. J. R. R. Tolkien wrote it.",
      ),
    ).toEqual([
      "Dr. Smith sees you at 3.30 p.m. on Friday.",
      "The fee is 12.50 euros, e.g. cash works.",
      "J. R. R. Tolkien wrote it.",
    ]);
  });

  it("ends sentences at question marks, quotes and ellipses followed by a new sentence", () => {
    expect(split('She said "done." Then left... Really? Yes.')).toEqual([
      'She said "done."',
      "Then left...",
      "Really?",
      "Yes.",
    ]);
  });

  it("flushes a complete-looking sentence when the stream stalls, but not a number that may continue", async () => {
    const out: string[] = [];
    const stream = new SentenceStream((s) => out.push(s), { flushMs: 40 });
    stream.push("Let me check that.");
    await new Promise((r) => setTimeout(r, 80));
    expect(out).toEqual(["Let me check that."]);
    stream.push(" It costs 3.");
    await new Promise((r) => setTimeout(r, 80));
    expect(out).toEqual(["Let me check that."]);
    stream.push("14 euros.");
    await new Promise((r) => setTimeout(r, 80));
    expect(out).toEqual(["Let me check that.", "It costs 3.14 euros."]);
    stream.close();
  });

  it("does not read code blocks or markdown aloud", () => {
    const text =
      "Run this:\n\n```bash\nls -la ~/Documents\n```\n\nIt lists **all** files in `Documents`. See [the docs](https://x.org).";
    expect(split(text, 5)).toEqual(["Run this:", "It lists all files in Documents.", "See the docs."]);
  });

  it("splits list items and cuts a very long run-on sentence at a comma", () => {
    expect(split("Options:\n- tea\n- coffee\n")).toEqual(["Options:", "tea", "coffee"]);
    const long = `${"word ".repeat(40)}and then, ${"more ".repeat(40)}end`;
    const out = split(long, 7);
    expect(out.length).toBeGreaterThan(1);
    expect(out[0]!.endsWith(",")).toBe(true);
  });

  it("speakable() strips headings, emphasis and links", () => {
    expect(speakable("## Result\n*Very* good, see [here](http://a.b).")).toBe("Result Very good, see here.");
  });
});
