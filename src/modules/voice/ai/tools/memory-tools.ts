import { z } from "zod";
import type { MemoryStore } from "../store/memory.ts";
import { defineTool, type Tool } from "./types.ts";

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function memoryTools(memory: MemoryStore, options: { recallLimit: number }): Tool<unknown>[] {
  const remember = defineTool({
    name: "remember",
    description: () =>
      "Store a fact about the user or their home for later conversations (birthdays, preferences, where things are). Write it as a self-contained sentence.",
    args: z.object({
      fact: z.string().min(1).describe("e.g. `Anna's birthday is on 3 March`"),
      tags: z.array(z.string().min(1)).optional().describe("A few words to find it by"),
    }),
    prepare({ fact, tags }) {
      return {
        summary: `remember: ${fact}`,
        async run() {
          const { id, created } = memory.remember(fact, { tags: tags ?? [] });
          return created ? `remembered (memory #${id})` : `already known (memory #${id})`;
        },
      };
    },
  });
  const recall = defineTool({
    name: "recall",
    description: () =>
      "Search what you were told to remember earlier, by keywords. Use it before saying you do not know something personal.",
    args: z.object({ query: z.string().describe("Keywords, e.g. `Anna birthday`") }),
    prepare({ query }) {
      return {
        summary: `recall: ${query}`,
        async run() {
          const found = memory.recall(query, options.recallLimit);
          if (found.length === 0) return `nothing remembered about "${query}"`;
          return found.map((m) => `- ${m.text} (saved ${day(m.createdAt)})`).join("\n");
        },
      };
    },
  });
  return [remember, recall] as Tool<unknown>[];
}
