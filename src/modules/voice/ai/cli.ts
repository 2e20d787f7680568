import { type Command, InvalidArgumentError, Option } from "commander";
import type { CliApp } from "../../../core/module.ts";
import { AI_MODES, type AiConfig, type AiMode } from "./config.ts";

/** Where the assistant's settings sit in the voice section. */
export type PickAi<C> = (config: C) => { mode: AiMode; ai: AiConfig };

function example(cmd: Command, text: string): Command {
  return cmd.addHelpText("after", `\nExample:\n  ${text}`);
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`"${value}" is not a whole number above 0`);
  return n;
}

/**
 * `deskhub voice ask|backends|audit|memory ...`: the assistant from the command line.
 * Light on purpose (the voice module's command table loads it on every start); each
 * action imports the assistant when it runs.
 */
export function registerAiCli<C>(cli: Command, app: CliApp<C>, pick: PickAi<C>): void {
  const actions = () => import("./cli-actions.ts");

  example(
    cli
      .command("ask")
      .description("ask the AI assistant; the answer is printed sentence by sentence as it streams")
      .argument("<question...>", "the question")
      .addOption(
        new Option("--mode <backend>", "use this backend instead of voice.ai_mode").choices(AI_MODES),
      )
      .option("--json", "print the turns as JSON when the answer is complete")
      .action(async (words: string[], o: { mode?: AiMode; json?: boolean }) =>
        (await actions()).ask(app, pick, words.join(" "), o),
      ),
    'deskhub voice ask "what is on the calendar tomorrow"',
  );
  example(
    cli
      .command("backends")
      .description("which assistant backends can run here, and what is missing for the others")
      .option("--json", "machine-readable output")
      .action(async (o: { json?: boolean }) => (await actions()).backends(app, pick, o)),
    "deskhub voice backends",
  );
  example(
    cli
      .command("audit")
      .description("the assistant's recent tool calls: arguments, decision, result")
      .option("-n, --limit <count>", "how many", count, 20)
      .option("--json", "machine-readable output")
      .action(async (o: { limit: number; json?: boolean }) => (await actions()).audit(app, pick, o)),
    "deskhub voice audit -n 50",
  );

  const memory = cli.command("memory").description("what the assistant remembers");
  example(
    memory
      .command("list")
      .description("the most recent memories, or those matching a search")
      .argument("[query...]", "words to search for (full text, best match first)")
      .option("-n, --limit <count>", "how many", count, 20)
      .option("--json", "machine-readable output")
      .action(async (words: string[], o: { limit: number; json?: boolean }) =>
        (await actions()).listMemories(app, pick, words.join(" "), o),
      ),
    "deskhub voice memory list birthday",
  );
  example(
    memory
      .command("add")
      .description("remember a fact")
      .argument("<fact...>", "the fact, as a sentence")
      .option("--json", "machine-readable output")
      .action(async (words: string[], o: { json?: boolean }) =>
        (await actions()).addMemory(app, pick, words.join(" "), o),
      ),
    'deskhub voice memory add "The spare key is under the blue pot"',
  );
  example(
    memory
      .command("forget")
      .description("delete a memory by its number (see memory list)")
      .argument("<id>", "the memory's number", count)
      .action(async (id: number) => (await actions()).forgetMemory(app, pick, id)),
    "deskhub voice memory forget 12",
  );
  example(
    memory
      .command("import")
      .description("import the old assistant's memory.json (default: voice.ai.memory.import_file)")
      .argument("[file]", "a memory.json")
      .option("--force", "import again even if this exact file was imported before")
      .option("--json", "machine-readable output")
      .action(async (file: string | undefined, o: { force?: boolean; json?: boolean }) =>
        (await actions()).importMemories(app, pick, file, o),
      ),
    "deskhub voice memory import ~/.local/share/push-to-talk/memory.json",
  );
}
