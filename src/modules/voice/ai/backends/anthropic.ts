import type Anthropic from "@anthropic-ai/sdk";
import type { MessageParam, ToolResultBlockParam } from "@anthropic-ai/sdk/resources/messages";
import { ExitCode, UserError } from "../../../../core/errors.ts";
import type { ToolExecutor } from "../tools/executor.ts";
import type { AnswerResult, AnswerSink, TextBackend } from "./types.ts";

export interface AnthropicBackendOptions {
  apiKey: string;
  baseURL?: string | undefined;
  model: string;
  maxTokens: number;
  maxToolRounds: number;
  historyTurns: number;
  timeoutMs: number;
  /** The system prompt, built per question (it carries the date and time). */
  instructions: () => string;
  executor: ToolExecutor;
}

/** Keeps the last `turns` questions with everything that followed each. */
function trimHistory(messages: MessageParam[], turns: number): MessageParam[] {
  if (turns === 0) return [];
  const starts = messages.flatMap((m, i) => (m.role === "user" && typeof m.content === "string" ? [i] : []));
  const from = starts.at(-turns) ?? 0;
  return messages.slice(from);
}

/**
 * The Anthropic Messages API, streamed: text is handed on as it arrives, tool_use blocks
 * go through the tool executor (policy, confirmation, audit) and their results go back
 * as tool_result blocks until the model ends its turn. Earlier turns are kept so
 * follow-up questions make sense.
 */
export class AnthropicBackend implements TextBackend {
  readonly mode = "anthropic" as const;
  #options: AnthropicBackendOptions;
  #client: Anthropic | undefined;
  #history: MessageParam[] = [];

  constructor(options: AnthropicBackendOptions) {
    this.#options = options;
  }

  reset(): void {
    this.#history = [];
  }

  async #clientFor(): Promise<Anthropic> {
    if (!this.#client) {
      const { default: Client } = await import("@anthropic-ai/sdk");
      this.#client = new Client({
        apiKey: this.#options.apiKey,
        baseURL: this.#options.baseURL ?? null,
        timeout: this.#options.timeoutMs,
        maxRetries: 1,
      });
    }
    return this.#client;
  }

  async ask(question: string, sink: AnswerSink): Promise<AnswerResult> {
    const client = await this.#clientFor();
    const options = this.#options;
    const messages: MessageParam[] = [...this.#history, { role: "user", content: question }];
    const texts: string[] = [];
    let toolCalls = 0;
    let stop = "end_turn";
    let text = "";
    const said = () => [...texts, text.trim()].filter(Boolean).join(" ");
    try {
      for (let round = 0; ; round++) {
        const tools = options.executor.definitions().map((d) => ({
          name: d.name,
          description: d.description,
          input_schema: d.parameters as Anthropic.Tool.InputSchema,
        }));
        const stream = client.messages.stream(
          {
            model: options.model,
            max_tokens: options.maxTokens,
            system: options.instructions(),
            messages,
            ...(tools.length ? { tools } : {}),
          },
          { signal: sink.signal },
        );
        const blockTypes = new Map<number, string>();
        for await (const event of stream) {
          if (event.type === "content_block_start") blockTypes.set(event.index, event.content_block.type);
          else if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
            text += event.delta.text;
            sink.text(event.delta.text);
          } else if (event.type === "content_block_stop" && blockTypes.get(event.index) === "text") {
            sink.blockEnd();
            if (text.trim()) texts.push(text.trim());
            text = "";
          }
        }
        const message = await stream.finalMessage();
        messages.push({ role: "assistant", content: message.content });
        stop = message.stop_reason ?? "end_turn";
        const uses = message.content.filter((block) => block.type === "tool_use");
        if (stop !== "tool_use" || uses.length === 0) break;
        const tooMany = round + 1 >= options.maxToolRounds;
        const results: ToolResultBlockParam[] = [];
        for (const use of uses) {
          if (tooMany) {
            results.push({
              type: "tool_result",
              tool_use_id: use.id,
              content: "Not run: too many tool calls in one answer.",
              is_error: true,
            });
            continue;
          }
          toolCalls++;
          sink.toolCall?.(use.name);
          const outcome = await options.executor.execute(
            { name: use.name, input: use.input },
            { backend: "anthropic", signal: sink.signal },
          );
          results.push({
            type: "tool_result",
            tool_use_id: use.id,
            content: outcome.output,
            ...(outcome.isError ? { is_error: true } : {}),
          });
        }
        messages.push({ role: "user", content: results });
        if (tooMany) {
          stop = "tool_rounds";
          break;
        }
      }
    } catch (error) {
      if (!sink.signal.aborted) throw await explain(error, options.baseURL);
      stop = "cancelled";
      // What was said stays in the conversation; an unanswered tool call cannot.
      if (said()) {
        this.#history = trimHistory(
          [
            ...this.#history,
            { role: "user", content: question },
            { role: "assistant", content: `${said()} [interrupted]` },
          ],
          options.historyTurns,
        );
      }
      return { text: said(), stop, toolCalls };
    }
    this.#history = trimHistory(messages, options.historyTurns);
    return { text: said(), stop, toolCalls };
  }
}

async function explain(error: unknown, baseURL: string | undefined): Promise<Error> {
  const sdk = await import("@anthropic-ai/sdk");
  const where = baseURL ?? "api.anthropic.com";
  if (error instanceof sdk.APIConnectionError) {
    return new UserError(`cannot reach ${where}: ${error.message}`, { code: ExitCode.unavailable });
  }
  if (error instanceof sdk.AuthenticationError) {
    return new UserError(`${where} rejected the Anthropic API key`, {
      code: ExitCode.config,
      hint: "check ANTHROPIC_API_KEY (or the secret anthropic_api_key)",
    });
  }
  if (error instanceof sdk.APIError) {
    return new UserError(`Anthropic API error ${error.status ?? ""}: ${error.message}`.trim(), {
      code: ExitCode.unavailable,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
