import type { z } from "zod";
import type { ToolName } from "../config.ts";

export interface ToolRunContext {
  signal: AbortSignal;
}

/** A call that passed its safety checks: what it will do, and how to do it. */
export interface PreparedCall {
  /** One line for the confirmation and the audit log, e.g. `run: git status`. */
  summary: string;
  /** Ask the person first even when the policy says allow (unlocking a door). */
  confirm?: boolean;
  run(ctx: ToolRunContext): Promise<string>;
}

/** A safety rule says no; the reason goes to the model and the audit log. */
export interface RefusedCall {
  refused: string;
}

export interface Tool<A = unknown> {
  name: ToolName;
  /** Read by the model: when to use the tool. */
  description(): string;
  args: z.ZodType<A>;
  /** Checks that hold whatever the policy says (allow-list, file roots), then the call ready to run. */
  prepare(args: A): PreparedCall | RefusedCall | Promise<PreparedCall | RefusedCall>;
  /** Whether the tool can work here now (player: only when a media module is running). */
  available?(): boolean;
}

/** The JSON Schema form every backend sends to its model. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export function defineTool<A>(tool: Tool<A>): Tool<A> {
  return tool;
}
