import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { DatabaseSync } from "../../../../core/db.ts";
import { ExitCode, UserError } from "../../../../core/errors.ts";
import type { MemoryStore } from "./memory.ts";

export interface ImportResult {
  file: string;
  imported: number;
  /** Facts already in memory. */
  duplicates: number;
  /** Entries with no text deskhub could find. */
  skipped: number;
  /** True when this exact file had been imported before and nothing was done. */
  already: boolean;
  /** The shape deskhub took the file to have, for the person to check. */
  assumed: string;
}

const TEXT_FIELDS = [
  "text",
  "content",
  "fact",
  "memory",
  "value",
  "note",
  "message",
  "description",
  "summary",
];
const TIME_FIELDS = [
  "timestamp",
  "created_at",
  "createdAt",
  "created",
  "date",
  "time",
  "saved_at",
  "added",
  "ts",
  "updated_at",
];
const TAG_FIELDS = ["tags", "category", "categories", "topic", "type", "kind"];
const LIST_FIELDS = ["memories", "facts", "items", "entries", "notes", "data", "memory"];

interface Fact {
  text: string;
  at?: number;
  tags: string[];
}

/** Seconds, milliseconds or a date string, as epoch milliseconds. */
function toTime(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value > 0)
    return value < 1e12 ? value * 1000 : value;
  if (typeof value === "string" && value.trim()) {
    if (/^\d+(\.\d+)?$/.test(value.trim())) return toTime(Number(value));
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

function toTags(value: unknown): string[] {
  if (typeof value === "string") return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() || undefined;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** Keys that are ids or timestamps say nothing; keys like "wife_birthday" are part of the fact. */
function meaningfulKey(key: string | undefined): string | undefined {
  if (!key) return undefined;
  if (
    /^[\d\s:.TZ+-]+$/.test(key) ||
    /^[0-9a-f-]{16,}$/i.test(key) ||
    /^(mem|memory|fact|item)?[_-]?\d+$/i.test(key)
  )
    return undefined;
  return key.replace(/[_-]+/g, " ");
}

function fromEntry(entry: unknown, key: string | undefined): Fact | undefined {
  const label = meaningfulKey(key);
  const plain = scalarText(entry);
  if (plain !== undefined) return { text: label ? `${label}: ${plain}` : plain, tags: [] };
  if (!entry || typeof entry !== "object" || Array.isArray(entry)) return undefined;
  const record = entry as Record<string, unknown>;
  const field = TEXT_FIELDS.find((f) => scalarText(record[f]) !== undefined);
  let text = field ? scalarText(record[field]) : undefined;
  const ownKey = scalarText(record.key) ?? scalarText(record.name) ?? scalarText(record.title);
  const prefix = meaningfulKey(ownKey) ?? label;
  if (text && prefix && field === "value") text = `${prefix}: ${text}`;
  if (!text) return undefined;
  const timeField = TIME_FIELDS.find((f) => toTime(record[f]) !== undefined);
  const tags = TAG_FIELDS.flatMap((f) => toTags(record[f]));
  return { text, at: timeField ? toTime(record[timeField]) : undefined, tags };
}

/**
 * The old assistant's memory file, read tolerantly: a list of facts (strings, or objects
 * with a text/content/fact field and a timestamp), an object holding such a list under
 * `memories`/`facts`/..., or a map of name -> fact (string or object).
 */
export function parseMemoryFile(
  raw: string,
  file: string,
): { facts: Fact[]; skipped: number; assumed: string } {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (error) {
    throw new UserError(`${file} is not valid JSON: ${(error as Error).message}`, {
      code: ExitCode.dataErr,
      hint: "the memory import expects the old assistant's memory.json",
    });
  }
  let entries: Array<[string | undefined, unknown]>;
  let assumed: string;
  if (Array.isArray(data)) {
    entries = data.map((e) => [undefined, e]);
    assumed = "a JSON list, one fact per item";
  } else if (data && typeof data === "object") {
    const record = data as Record<string, unknown>;
    const listField = LIST_FIELDS.find((f) => Array.isArray(record[f]));
    if (listField) {
      entries = (record[listField] as unknown[]).map((e) => [undefined, e]);
      assumed = `an object whose "${listField}" list holds the facts`;
    } else {
      entries = Object.entries(record);
      assumed = "an object mapping a name to each fact";
    }
  } else {
    throw new UserError(`${file} holds neither a list nor an object of memories`, { code: ExitCode.dataErr });
  }
  const facts: Fact[] = [];
  let skipped = 0;
  for (const [key, entry] of entries) {
    const fact = fromEntry(entry, key);
    if (fact) facts.push(fact);
    else skipped++;
  }
  const timed = facts.filter((f) => f.at !== undefined).length;
  assumed += `; text from ${TEXT_FIELDS.slice(0, 4).join("/")}/... fields, times from ${TIME_FIELDS.slice(0, 3).join("/")}/... (${timed} of ${facts.length} had one; seconds or milliseconds or ISO dates)`;
  return { facts, skipped, assumed };
}

/** Imports a memory.json once per distinct content; facts already known are not duplicated. */
export async function importMemoryFile(
  file: string,
  memory: MemoryStore,
  db: DatabaseSync,
  options: { force?: boolean; now?: () => number } = {},
): Promise<ImportResult> {
  const raw = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`, {
      code: ExitCode.dataErr,
    });
  });
  const sha = createHash("sha256").update(raw).digest("hex");
  const seen = db.prepare("SELECT imported FROM memory_imports WHERE file = ? AND sha256 = ?").get(file, sha);
  const { facts, skipped, assumed } = parseMemoryFile(raw, file);
  if (seen && !options.force) return { file, imported: 0, duplicates: 0, skipped, already: true, assumed };
  let imported = 0;
  let duplicates = 0;
  db.exec("BEGIN");
  try {
    for (const fact of facts) {
      const { created } = memory.remember(fact.text, { tags: fact.tags, source: "import", at: fact.at });
      if (created) imported++;
      else duplicates++;
    }
    db.prepare("INSERT OR REPLACE INTO memory_imports (file, sha256, at, imported) VALUES (?, ?, ?, ?)").run(
      file,
      sha,
      (options.now ?? Date.now)(),
      imported,
    );
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
  return { file, imported, duplicates, skipped, already: false, assumed };
}
