/**
 * Phrases Whisper-family models produce from silence or noise, learned from subtitled
 * video: never something the user dictated into a push-to-talk key.
 */
const ALWAYS_HALLUCINATED = [
  "thank you for watching",
  "thanks for watching",
  "thank you so much for watching",
  "thank you for watching and see you next time",
  "thanks for watching and see you next time",
  "please subscribe",
  "please like and subscribe",
  "like and subscribe",
  "don't forget to like and subscribe",
  "subscribe to my channel",
  "see you in the next video",
  "i'll see you in the next video",
  "subtitles by the amara.org community",
  "subtitled by",
  "transcribed by",
  "transcription by castingwords",
  "thanks for listening",
];

/** Short words Whisper emits on near-silence; spoken over real audio they are kept. */
const SILENCE_HALLUCINATED = [
  "you",
  "thank you",
  "thanks",
  "thank you very much",
  "bye",
  "bye bye",
  "okay",
  "so",
  "uh",
  "um",
  "hmm",
];

/** Non-speech annotations: [BLANK_AUDIO], [Music], (silence), ♪ ... */
const ANNOTATION =
  /\[[^\]]*\]|\((?:[^)]*\b(?:music|silence|applause|laughter|inaudible|blank|noise|static)\b[^)]*)\)|[♪♫]+/gi;

/** With less speech than this in the audio, the short phrases above count as invented. */
const SILENCE_SPEECH_MS = 600;

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' .-]+/gu, " ")
    .replace(/[.-]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface CleanOptions {
  /** Milliseconds of the audio that were speech (above the silence threshold). */
  voicedMs: number;
  /** The user's extra hallucination phrases. */
  extra?: readonly string[];
  /** Phrase to replacement, applied as whole words, case-insensitive. */
  replacements?: Readonly<Record<string, string>>;
}

/** Drops what a recogniser invented and applies the user's replacements; "" means type nothing. */
export function cleanTranscript(raw: string, options: CleanOptions): string {
  const always = new Set([...ALWAYS_HALLUCINATED, ...(options.extra ?? [])].map(normalise));
  let text = raw.replace(ANNOTATION, " ").replace(/\s+/g, " ").trim();
  if (!text || always.has(normalise(text))) return "";
  // A hallucinated sign-off glued to real speech: drop that last sentence only.
  const parts = text.split(/(?<=[.!?])\s+/);
  while (parts.length > 1 && always.has(normalise(parts.at(-1)!))) parts.pop();
  text = parts.join(" ");
  if (options.voicedMs < SILENCE_SPEECH_MS && SILENCE_HALLUCINATED.includes(normalise(text))) return "";
  if (!/[\p{L}\p{N}]/u.test(text)) return "";
  for (const [from, to] of Object.entries(options.replacements ?? {})) {
    if (!from.trim()) continue;
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(from.trim())}(?![\\p{L}\\p{N}])`, "giu");
    text = text.replace(pattern, () => to);
  }
  return text.trim();
}
