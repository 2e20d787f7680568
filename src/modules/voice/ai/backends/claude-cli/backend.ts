import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../../../../core/atomic.ts";
import { ExitCode, UserError } from "../../../../../core/errors.ts";
import type { AiConfig } from "../../config.ts";
import type { AuditLog } from "../../store/audit.ts";
import type { AnswerResult, AnswerSink, TextBackend } from "../types.ts";
import { claudeArgv } from "./argv.ts";
import { type ClaudeEvent, ClaudeStreamParser } from "./stream-json.ts";

export interface ClaudeCliOptions {
  /** The resolved path of the claude binary. */
  binary: string;
  settings: AiConfig["claude"];
  sessionDir: string;
  env: NodeJS.ProcessEnv;
  instructions: () => string;
  audit?: AuditLog;
}

/** Written after the first answer: from then on `-c` continues that conversation. */
const MARKER = ".deskhub-session.json";

interface Run {
  events: ClaudeEvent[];
  code: number | null;
  stderr: string;
  timedOut: boolean;
}

/**
 * Claude Code in print mode. Each question runs `claude -c -p QUESTION --output-format
 * stream-json --verbose` in a session directory of its own, so the conversation
 * persists between questions and never mixes with the user's coding sessions. Its
 * own permission mode and allowed tools govern what it may do; the tools it used and
 * those its permissions stopped are written to deskhub's audit log.
 */
export class ClaudeCliBackend implements TextBackend {
  readonly mode = "claude" as const;
  #options: ClaudeCliOptions;

  constructor(options: ClaudeCliOptions) {
    this.#options = options;
  }

  /** The next question starts a new conversation. */
  reset(): void {
    rmSync(join(this.#options.sessionDir, MARKER), { force: true });
  }

  #continues(): boolean {
    return existsSync(join(this.#options.sessionDir, MARKER));
  }

  async ask(question: string, sink: AnswerSink): Promise<AnswerResult> {
    await mkdir(this.#options.sessionDir, { recursive: true });
    let run = await this.#run(question, sink, this.#continues());
    const noConversation = /no conversation found/i.test(run.stderr);
    if (noConversation && !run.events.some((e) => e.kind === "result"))
      run = await this.#run(question, sink, false);
    const result = run.events.find((e) => e.kind === "result");
    this.#auditTools(run.events);
    if (sink.signal.aborted)
      return { text: answerText(run.events), stop: "cancelled", toolCalls: toolCount(run.events) };
    if (run.timedOut) {
      throw new UserError(`claude did not finish within ${this.#options.settings.timeout_seconds} s`, {
        code: ExitCode.unavailable,
        hint: "raise voice.ai.claude.timeout_seconds, or ask something smaller",
      });
    }
    if (!result) {
      const detail = run.stderr.trim().split("\n").filter(Boolean).at(-1) ?? `exit code ${run.code}`;
      throw new UserError(`claude failed: ${detail}`, {
        code: ExitCode.unavailable,
        hint: "run `claude` once in a terminal to log in, or set ANTHROPIC_API_KEY",
      });
    }
    if (result.isError) {
      throw new UserError(`claude could not answer: ${result.result || result.subtype}`, {
        code: ExitCode.unavailable,
      });
    }
    await writeFileAtomic(
      join(this.#options.sessionDir, MARKER),
      `${JSON.stringify({ session_id: result.sessionId, at: new Date().toISOString() })}\n`,
    );
    return {
      text: answerText(run.events) || result.result,
      stop: result.subtype,
      toolCalls: toolCount(run.events),
    };
  }

  #run(question: string, sink: AnswerSink, continueSession: boolean): Promise<Run> {
    const { settings } = this.#options;
    const [program, ...args] = claudeArgv(this.#options.binary, question, settings, {
      continueSession,
      systemPrompt: this.#options.instructions(),
    });
    return new Promise((resolve) => {
      const child = spawn(program!, args, {
        cwd: this.#options.sessionDir,
        env: this.#options.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const parser = new ClaudeStreamParser();
      const events: ClaudeEvent[] = [];
      let stderr = "";
      let timedOut = false;
      const handle = (list: ClaudeEvent[]) => {
        for (const event of list) {
          events.push(event);
          if (sink.signal.aborted) continue;
          if (event.kind === "text") sink.text(event.delta);
          else if (event.kind === "block_end") sink.blockEnd();
          else if (event.kind === "tool_use") sink.toolCall?.(event.name);
        }
      };
      const stop = () => child.kill("SIGTERM");
      sink.signal.addEventListener("abort", stop, { once: true });
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, settings.timeout_seconds * 1000);
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => handle(parser.push(chunk)));
      child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      child.once("error", (error: NodeJS.ErrnoException) => {
        stderr += error.code === "ENOENT" ? `${program} is not installed` : error.message;
      });
      child.once("close", (code) => {
        clearTimeout(timer);
        sink.signal.removeEventListener("abort", stop);
        handle(parser.end());
        resolve({ events, code, stderr, timedOut });
      });
    });
  }

  #auditTools(events: readonly ClaudeEvent[]): void {
    const audit = this.#options.audit;
    if (!audit) return;
    const result = events.find((e) => e.kind === "result");
    const denied = new Set(
      result?.kind === "result" ? result.denials.map((d) => JSON.stringify([d.tool, d.input])) : [],
    );
    for (const event of events) {
      if (event.kind !== "tool_use") continue;
      const output = events.find((e) => e.kind === "tool_result" && e.toolUseId === event.id);
      const wasDenied = denied.has(JSON.stringify([event.name, event.input]));
      audit.record({
        backend: "claude",
        tool: `claude:${event.name}`,
        args: event.input,
        decision: wasDenied ? "claude_denied" : "claude",
        ok: !wasDenied && output?.kind === "tool_result" && !output.isError,
        ...(wasDenied
          ? { reason: `not allowed by permission mode ${this.#options.settings.permission_mode}` }
          : {}),
        ...(output?.kind === "tool_result" ? { result: output.content } : {}),
      });
    }
  }
}

function answerText(events: readonly ClaudeEvent[]): string {
  const blocks: string[] = [];
  let current = "";
  for (const event of events) {
    if (event.kind === "text") current += event.delta;
    else if (event.kind === "block_end" && current.trim()) {
      blocks.push(current.trim());
      current = "";
    }
  }
  if (current.trim()) blocks.push(current.trim());
  return blocks.join(" ");
}

function toolCount(events: readonly ClaudeEvent[]): number {
  return events.filter((e) => e.kind === "tool_use").length;
}
