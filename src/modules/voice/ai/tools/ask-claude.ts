import { z } from "zod";
import type { TextBackend } from "../backends/types.ts";
import { defineTool, type Tool } from "./types.ts";

/**
 * Hands a question to Claude Code (with its own permissions and session): for work on
 * files and code that needs more than one tool call. Offered when the CLI is installed.
 */
export function askClaudeTool(claude: () => TextBackend | undefined): Tool<unknown> {
  return defineTool({
    name: "ask_claude",
    description: () =>
      "Ask Claude Code, a coding agent on this computer, to look into something that needs reading code or files, searching, or several steps. Returns its answer as text.",
    args: z.object({ question: z.string().min(1) }),
    available: () => claude() !== undefined,
    prepare({ question }) {
      const backend = claude();
      if (!backend) return { refused: "Claude Code is not installed (the claude command)" };
      return {
        summary: `ask Claude Code: ${question}`,
        async run({ signal }) {
          const result = await backend.ask(question, { text: () => {}, blockEnd: () => {}, signal });
          return result.text || "(Claude Code gave no answer)";
        },
      };
    },
  }) as Tool<unknown>;
}
