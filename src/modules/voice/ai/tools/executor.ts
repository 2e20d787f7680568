import { z } from "zod";
import { errorMessage } from "../../../../core/errors.ts";
import { scrub } from "../../../../core/redact.ts";
import type { AiConfig, PolicyDecision } from "../config.ts";
import type { Confirm } from "../ports.ts";
import type { AuditDecision, AuditLog } from "../store/audit.ts";
import type { PreparedCall, Tool, ToolDefinition } from "./types.ts";

export interface ToolCall {
  name: string;
  /** Arguments as the model sent them: untrusted, parsed here. */
  input: unknown;
}

/** What goes back to the model; `isError` marks calls that did not happen or failed. */
export interface ToolOutcome {
  output: string;
  isError: boolean;
  decision: AuditDecision;
}

export interface ExecutorOptions {
  tools: readonly Tool<unknown>[];
  policy: AiConfig["tools"];
  confirm: Confirm | undefined;
  confirmTimeoutMs: number;
  audit: AuditLog;
}

function schemaOf(tool: Tool<unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(tool.args, { io: "input" }) as Record<
    string,
    unknown
  >;
  return schema;
}

/**
 * The one gate every model tool call passes: arguments parsed, safety rules checked,
 * the policy applied (allow, confirm with the person, deny), the tool run, and every
 * step written to the audit log. The model always gets an answer it can act on,
 * including why a call did not happen, and never a secret deskhub knows (a command's
 * output or a file may hold one): the answer goes to the model's provider and may be
 * read out loud.
 */
export class ToolExecutor {
  #options: ExecutorOptions;

  constructor(options: ExecutorOptions) {
    this.#options = options;
  }

  policyOf(name: string): PolicyDecision | undefined {
    return (this.#options.policy as Record<string, PolicyDecision | undefined>)[name];
  }

  /** The tools offered to the model now: available here and not denied by policy. */
  definitions(): ToolDefinition[] {
    return this.#options.tools
      .filter((tool) => this.policyOf(tool.name) !== "deny" && (tool.available?.() ?? true))
      .map((tool) => ({ name: tool.name, description: tool.description(), parameters: schemaOf(tool) }));
  }

  async execute(call: ToolCall, context: { backend: string; signal: AbortSignal }): Promise<ToolOutcome> {
    const started = performance.now();
    const audit = (decision: AuditDecision, outcome: { ok: boolean; reason?: string; result?: string }) =>
      this.#options.audit.record({
        backend: context.backend,
        tool: call.name,
        args: call.input,
        decision,
        ok: outcome.ok,
        ...(outcome.reason ? { reason: outcome.reason } : {}),
        ...(outcome.result !== undefined ? { result: outcome.result } : {}),
        ms: Math.round(performance.now() - started),
      });
    const fail = (decision: AuditDecision, reason: string, output: string): ToolOutcome => {
      audit(decision, { ok: false, reason });
      return { output: scrub(output), isError: true, decision };
    };

    const tool = this.#options.tools.find((t) => t.name === call.name);
    if (!tool) return fail("invalid", "unknown tool", `There is no tool called "${call.name}".`);
    const policy = this.policyOf(tool.name) ?? "deny";
    if (policy === "deny") {
      return fail(
        "policy_denied",
        "policy: deny",
        `Not allowed: the user's settings deny the ${tool.name} tool. Tell the user you may not do this.`,
      );
    }
    const parsed = tool.args.safeParse(call.input ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`)
        .join("; ");
      return fail("invalid", issues, `Invalid arguments for ${tool.name}: ${issues}`);
    }
    let prepared: Awaited<ReturnType<Tool<unknown>["prepare"]>>;
    try {
      prepared = await tool.prepare(parsed.data);
    } catch (error) {
      return fail(
        "invalid",
        errorMessage(error),
        `${tool.name} could not be prepared: ${errorMessage(error)}`,
      );
    }
    if ("refused" in prepared) {
      return fail(
        "refused",
        prepared.refused,
        `Refused by a safety rule, nothing was done: ${prepared.refused}. Do not try to get around it; tell the user.`,
      );
    }
    let decision: AuditDecision = "allowed";
    if (policy === "confirm" || prepared.confirm) {
      const answer = await this.#ask(tool.name, prepared, call.input, context.signal);
      if (answer.kind !== "approve") {
        const waited = Math.round(this.#options.confirmTimeoutMs / 1000);
        return answer.kind === "timeout"
          ? fail(
              "timeout",
              answer.reason ?? `no answer within ${waited} s`,
              `Not done: the user did not approve "${prepared.summary}" within ${waited} second${waited === 1 ? "" : "s"}, which counts as no. Tell the user it was not done.`,
            )
          : fail(
              "denied",
              answer.reason ?? "the user said no",
              `The user denied this tool call, so nothing was done: "${prepared.summary}". Do not try it another way; tell the user it was not done.`,
            );
      }
      decision = "approved";
    }
    try {
      const result = await prepared.run({ signal: context.signal });
      audit(decision, { ok: true, result });
      return { output: scrub(result), isError: false, decision };
    } catch (error) {
      const message = errorMessage(error);
      audit(decision, { ok: false, reason: message });
      return { output: scrub(`${tool.name} failed: ${message}`), isError: true, decision };
    }
  }

  async #ask(
    tool: string,
    prepared: PreparedCall,
    input: unknown,
    signal: AbortSignal,
  ): Promise<{ kind: "approve" | "deny" | "timeout"; reason?: string }> {
    const confirm = this.#options.confirm;
    if (!confirm) return { kind: "deny", reason: "no way to ask for confirmation is configured" };
    try {
      const kind = await confirm({
        tool,
        summary: prepared.summary,
        detail: JSON.stringify(input, null, 1).slice(0, 600),
        timeoutMs: this.#options.confirmTimeoutMs,
        signal,
      });
      return { kind };
    } catch (error) {
      return { kind: "deny", reason: `could not ask: ${errorMessage(error)}` };
    }
  }
}
