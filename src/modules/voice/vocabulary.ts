import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expandHome, type Paths } from "../../core/paths.ts";

/** Whisper reads at most 224 prompt tokens; a longer prompt is cut from the front. */
const MAX_PROMPT_CHARS = 800;

export interface Vocabulary {
  words: string[];
  /** The words as Whisper's initial prompt: spelled as the user wants them spelled. */
  prompt: string | undefined;
}

export function parseVocabulary(text: string): string[] {
  const seen = new Set<string>();
  const words: string[] = [];
  for (const raw of text.split("\n")) {
    const word = raw.replace(/#.*$/, "").trim();
    if (!word || seen.has(word.toLowerCase())) continue;
    seen.add(word.toLowerCase());
    words.push(word);
  }
  return words;
}

export function vocabularyPrompt(words: readonly string[]): string | undefined {
  if (words.length === 0) return undefined;
  let prompt = "";
  for (const word of words) {
    const next = prompt ? `${prompt}, ${word}` : word;
    if (next.length > MAX_PROMPT_CHARS) break;
    prompt = next;
  }
  return `${prompt}.`;
}

export function vocabularyPath(file: string | undefined, paths: Paths): string {
  return file ? expandHome(file, paths) : join(paths.configDir, "vocabulary.txt");
}

/** Reads vocabulary.txt; a missing file is an empty vocabulary. */
export async function loadVocabulary(path: string): Promise<Vocabulary> {
  let text = "";
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const words = parseVocabulary(text);
  return { words, prompt: vocabularyPrompt(words) };
}
