import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseSync, openDatabase } from "../../../../src/core/db.ts";
import { createAssistant } from "../../../../src/modules/voice/ai/assistant.ts";
import { AiConfig } from "../../../../src/modules/voice/ai/config.ts";
import { MemoryStore } from "../../../../src/modules/voice/ai/store/memory.ts";
import { importMemoryFile, parseMemoryFile } from "../../../../src/modules/voice/ai/store/memory-import.ts";
import { AI_MIGRATIONS } from "../../../../src/modules/voice/ai/store/migrations.ts";
import { makeSandbox, type Sandbox } from "../../../helpers/sandbox.ts";
import { aiContext, recordingSpeech } from "./support.ts";

let sandbox: Sandbox;
let db: DatabaseSync;
let memory: MemoryStore;

beforeAll(async () => {
  sandbox = makeSandbox();
  db = await openDatabase(join(sandbox.dataDir, "voice-ai.db"), AI_MIGRATIONS);
  memory = new MemoryStore(db);
});
afterAll(() => {
  db.close();
  sandbox.cleanup();
});

describe("remember and recall", () => {
  it("finds facts by their words, best match first, with word forms (birthday / birthdays)", () => {
    memory.remember("Anna's birthday is on the 3rd of March", { tags: ["family"] });
    memory.remember("The wifi password is on the fridge door");
    memory.remember("Anna prefers tea over coffee");
    memory.remember("The dentist appointment is every March");
    const found = memory.recall("when are Anna's birthdays?");
    expect(found[0]!.text).toBe("Anna's birthday is on the 3rd of March");
    expect(found.map((m) => m.text)).toContain("Anna prefers tea over coffee");
    expect(found.map((m) => m.text)).not.toContain("The wifi password is on the fridge door");
    expect(memory.recall("wifi")[0]!.text).toMatch(/fridge/);
    expect(memory.recall("family")[0]!.text).toMatch(/birthday/); // tags are searched too
  });

  it("treats FTS syntax in a question as plain words", () => {
    expect(() => memory.recall('anna AND "tea" OR (coffee* NEAR wifi) -')).not.toThrow();
    expect(memory.recall("NOT")).toEqual([]);
  });

  it("stores the same fact once", () => {
    const first = memory.remember("The bins go out on Tuesday");
    const again = memory.remember("  The bins go out   on Tuesday ");
    expect(again).toEqual({ id: first.id, created: false });
  });
});

describe("importing the old assistant's memory.json", () => {
  it("reads a list of objects with text and Unix timestamps", async () => {
    const file = join(sandbox.root, "memory.json");
    writeFileSync(
      file,
      JSON.stringify([
        { content: "The car is due for service in May", timestamp: 1714550400, category: "car" },
        { text: "Grandma's phone number is in the red book", created_at: "2024-02-01T10:00:00Z" },
        { fact: "Leo is allergic to peanuts", time: 1706781600000, tags: ["health", "leo"] },
        { unrelated: true },
      ]),
    );
    const result = await importMemoryFile(file, memory, db);
    expect(result).toMatchObject({ imported: 3, skipped: 1, duplicates: 0, already: false });
    expect(result.assumed).toMatch(/list, one fact per item.*3 of 3 had one/);
    const car = memory.recall("car service")[0]!;
    expect(car).toMatchObject({ text: "The car is due for service in May", tags: "car", source: "import" });
    expect(new Date(car.createdAt).toISOString()).toBe("2024-05-01T08:00:00.000Z");
    expect(memory.recall("peanuts")[0]!.tags).toBe("health leo");
  });

  it("imports the same file only once, and an edited file without duplicating known facts", async () => {
    const file = join(sandbox.root, "memory.json");
    expect(await importMemoryFile(file, memory, db)).toMatchObject({ already: true, imported: 0 });
    const before = memory.count();
    const data = JSON.parse(readFileSync(file, "utf8")) as unknown[];
    data.push({ content: "The spare key is under the blue pot", timestamp: 1717200000 });
    writeFileSync(file, JSON.stringify(data));
    expect(await importMemoryFile(file, memory, db)).toMatchObject({ imported: 1, duplicates: 3 });
    expect(memory.count()).toBe(before + 1);
  });

  it("reads a map of named facts, and an object holding a memories list", () => {
    const map = parseMemoryFile(
      JSON.stringify({
        wife_birthday: "March 3",
        "1714550400": "a fact keyed by time",
        favourite_pizza: { value: "margherita", updated: 1 },
      }),
      "m.json",
    );
    expect(map.assumed).toMatch(/mapping a name to each fact/);
    // A key that is only a time or an id is not part of the fact.
    expect(map.facts.map((f) => f.text).sort()).toEqual([
      "a fact keyed by time",
      "favourite pizza: margherita",
      "wife birthday: March 3",
    ]);
    const wrapped = parseMemoryFile(
      JSON.stringify({ version: 2, memories: ["one", { memory: "two" }] }),
      "m.json",
    );
    expect(wrapped.assumed).toMatch(/"memories" list/);
    expect(wrapped.facts.map((f) => f.text)).toEqual(["one", "two"]);
  });

  it("is imported once by the assistant itself when the old file is where the old assistant kept it", async () => {
    const t = aiContext();
    try {
      const old = join(t.sandbox.home, ".local/share/push-to-talk");
      mkdirSync(old, { recursive: true });
      writeFileSync(
        join(old, "memory.json"),
        JSON.stringify([{ content: "The boiler code is 4471", timestamp: 1700000000 }]),
      );
      const open = () =>
        createAssistant({
          mode: "anthropic",
          config: AiConfig.parse({}),
          ctx: t.ctx,
          speech: recordingSpeech(),
          status: () => {},
        });
      const first = await open();
      expect(first.memory.recall("boiler")[0]!.text).toBe("The boiler code is 4471");
      await first.close();
      const second = await open();
      expect(second.memory.count()).toBe(1);
      await second.close();
    } finally {
      t.sandbox.cleanup();
    }
  });

  it("says clearly when the file is not JSON", () => {
    expect(() => parseMemoryFile("{oops", "/home/u/memory.json")).toThrow(/memory\.json is not valid JSON/);
  });
});
