import { z } from "zod";

/**
 * Claude Code's `--output-format stream-json` lines, parsed tolerantly: the CLI adds
 * fields from release to release, so every object is loose and only what deskhub uses
 * is required.
 */
const ContentBlock = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
  tool_use_id: z.string().optional(),
  content: z.unknown().optional(),
  is_error: z.boolean().optional(),
});

const Line = z.discriminatedUnion("type", [
  z.looseObject({
    type: z.literal("system"),
    subtype: z.string().optional(),
    session_id: z.string().optional(),
    model: z.string().optional(),
    permissionMode: z.string().optional(),
    tools: z.array(z.string()).optional(),
  }),
  z.looseObject({
    type: z.literal("assistant"),
    message: z.looseObject({ id: z.string().optional(), content: z.array(ContentBlock).default([]) }),
    parent_tool_use_id: z.string().nullable().optional(),
  }),
  z.looseObject({
    type: z.literal("user"),
    message: z.looseObject({ content: z.union([z.string(), z.array(ContentBlock)]).default([]) }),
  }),
  z.looseObject({
    type: z.literal("stream_event"),
    event: z.looseObject({
      type: z.string(),
      index: z.number().optional(),
      message: z.looseObject({ id: z.string().optional() }).optional(),
      content_block: ContentBlock.optional(),
      delta: z.looseObject({ type: z.string().optional(), text: z.string().optional() }).optional(),
    }),
    parent_tool_use_id: z.string().nullable().optional(),
  }),
  z.looseObject({
    type: z.literal("result"),
    subtype: z.string().optional(),
    is_error: z.boolean().optional(),
    result: z.string().optional(),
    session_id: z.string().optional(),
    total_cost_usd: z.number().optional(),
    duration_ms: z.number().optional(),
    num_turns: z.number().optional(),
    permission_denials: z
      .array(
        z.looseObject({ tool_name: z.string(), tool_use_id: z.string().optional(), tool_input: z.unknown() }),
      )
      .optional(),
  }),
]);

export type ClaudeEvent =
  | { kind: "init"; sessionId?: string; model?: string; permissionMode?: string; tools: string[] }
  | { kind: "text"; delta: string }
  | { kind: "block_end" }
  | { kind: "tool_use"; id: string; name: string; input: unknown }
  | { kind: "tool_result"; toolUseId: string; content: string; isError: boolean }
  | {
      kind: "result";
      subtype: string;
      isError: boolean;
      result: string;
      sessionId?: string;
      costUsd?: number;
      durationMs?: number;
      numTurns?: number;
      denials: Array<{ tool: string; input: unknown }>;
    }
  | { kind: "unparsed"; line: string; error: string };

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        part && typeof part === "object" && "text" in part ? String((part as { text: unknown }).text) : "",
      )
      .join("");
  }
  return content === undefined ? "" : JSON.stringify(content);
}

/**
 * Turns stdout chunks into events as each line completes. With partial messages the
 * CLI streams `stream_event` deltas and then repeats the finished message as an
 * `assistant` line; the repeat's text is not emitted again. Lines from sub-agents
 * (parent_tool_use_id set) are not the answer and are not spoken.
 */
export class ClaudeStreamParser {
  #partial = "";
  #streamed = new Set<string>();
  #current: string | undefined;

  push(chunk: string): ClaudeEvent[] {
    this.#partial += chunk;
    const lines = this.#partial.split("\n");
    this.#partial = lines.pop() ?? "";
    return lines.flatMap((line) => this.#line(line));
  }

  end(): ClaudeEvent[] {
    const rest = this.#partial;
    this.#partial = "";
    return rest.trim() ? this.#line(rest) : [];
  }

  #line(raw: string): ClaudeEvent[] {
    const line = raw.trim();
    if (!line) return [];
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      return [{ kind: "unparsed", line, error: (error as Error).message }];
    }
    const parsed = Line.safeParse(json);
    if (!parsed.success) {
      // Types deskhub does not use (rate limits, hooks, compaction) are not errors.
      const type = json && typeof json === "object" ? (json as { type?: unknown }).type : undefined;
      if (
        typeof type === "string" &&
        !["system", "assistant", "user", "stream_event", "result"].includes(type)
      )
        return [];
      return [{ kind: "unparsed", line, error: parsed.error.issues[0]?.message ?? "unexpected shape" }];
    }
    const data = parsed.data;
    switch (data.type) {
      case "system":
        return data.subtype === "init"
          ? [
              {
                kind: "init",
                ...(data.session_id ? { sessionId: data.session_id } : {}),
                ...(data.model ? { model: data.model } : {}),
                ...(data.permissionMode ? { permissionMode: data.permissionMode } : {}),
                tools: data.tools ?? [],
              },
            ]
          : [];
      case "stream_event": {
        if (data.parent_tool_use_id) return [];
        const event = data.event;
        if (event.type === "message_start") {
          this.#current = event.message?.id;
          if (this.#current) this.#streamed.add(this.#current);
          return [];
        }
        if (event.type === "content_block_delta" && event.delta?.type === "text_delta" && event.delta.text)
          return [{ kind: "text", delta: event.delta.text }];
        if (event.type === "content_block_stop") return [{ kind: "block_end" }];
        return [];
      }
      case "assistant": {
        if (data.parent_tool_use_id) return [];
        const repeat = data.message.id !== undefined && this.#streamed.has(data.message.id);
        const out: ClaudeEvent[] = [];
        for (const block of data.message.content) {
          if (block.type === "text" && block.text && !repeat) {
            out.push({ kind: "text", delta: block.text }, { kind: "block_end" });
          } else if (block.type === "tool_use" && block.id && block.name) {
            out.push({ kind: "tool_use", id: block.id, name: block.name, input: block.input ?? {} });
          }
        }
        return out;
      }
      case "user": {
        const content = data.message.content;
        if (typeof content === "string") return [];
        return content
          .filter((block) => block.type === "tool_result" && block.tool_use_id)
          .map((block) => ({
            kind: "tool_result" as const,
            toolUseId: block.tool_use_id!,
            content: contentText(block.content),
            isError: block.is_error === true,
          }));
      }
      case "result":
        return [
          {
            kind: "result",
            subtype: data.subtype ?? "success",
            isError: data.is_error === true,
            result: data.result ?? "",
            ...(data.session_id ? { sessionId: data.session_id } : {}),
            ...(data.total_cost_usd !== undefined ? { costUsd: data.total_cost_usd } : {}),
            ...(data.duration_ms !== undefined ? { durationMs: data.duration_ms } : {}),
            ...(data.num_turns !== undefined ? { numTurns: data.num_turns } : {}),
            denials: (data.permission_denials ?? []).map((d) => ({ tool: d.tool_name, input: d.tool_input })),
          },
        ];
    }
  }
}
