import { open, readFile } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomic } from "../../../../core/atomic.ts";
import { expandHome } from "../../../../core/paths.ts";
import type { AiConfig } from "../config.ts";
import { planCommand } from "./command-rules.ts";
import { type FileRoots, resolveForRead, resolveForWrite } from "./file-guard.ts";
import { describeResult, runPlannedCommand } from "./run-command.ts";
import { type SecretPlaces, withoutSecrets } from "./secret-places.ts";
import { defineTool, type Tool } from "./types.ts";

export interface SystemToolDeps {
  config: AiConfig;
  home: string;
  env: NodeJS.ProcessEnv;
  /** deskhub's own secrets: denied to the file tools and kept out of commands' environment. */
  secrets?: SecretPlaces;
}

export function fileRoots(config: AiConfig, home: string, secretFiles: readonly string[] = []): FileRoots {
  const expand = (p: string) => expandHome(p, { home });
  return {
    read: config.files.read_roots.map(expand),
    write: config.files.write_roots.map(expand),
    deny: [...config.files.deny, ...secretFiles].map(expand),
  };
}

function runCommandTool(deps: SystemToolDeps): Tool<{ command: string }> {
  const settings = deps.config.run_command;
  return defineTool({
    name: "run_command",
    description: () => {
      const allowed = settings.allow.map((rule) => (typeof rule === "string" ? rule : rule.prefix));
      return `Run a command on the user's computer and get its output. Only commands starting with one of these prefixes are allowed: ${allowed.join("; ") || "none"}. No sudo, no deleting trees. The user may be asked to approve it first.`;
    },
    args: z.object({ command: z.string().min(1).describe("The command line, e.g. `df -h /home`") }),
    prepare({ command }) {
      const planned = planCommand(command.trim(), settings.allow);
      if (!planned.ok) return { refused: planned.reason };
      const plan = planned.plan;
      const timeoutMs = plan.timeoutMs ?? settings.timeout_seconds * 1000;
      return {
        summary: `run: ${command.trim()}`,
        async run({ signal }) {
          const result = await runPlannedCommand(plan, {
            cwd: expandHome(settings.cwd ?? "~", { home: deps.home }),
            env: withoutSecrets(deps.env, deps.secrets?.env ?? []),
            timeoutMs,
            outputLimit: settings.output_limit,
            signal,
          });
          return describeResult(result, timeoutMs);
        },
      };
    },
  });
}

function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

function readFileTool(deps: SystemToolDeps): Tool<{ path: string }> {
  const roots = fileRoots(deps.config, deps.home, deps.secrets?.files);
  const max = deps.config.files.max_read_bytes;
  return defineTool({
    name: "read_file",
    description: () =>
      `Read a text file. Allowed under: ${roots.read.join(", ") || "nowhere"}. ~ is the user's home; relative paths start at ${roots.read[0] ?? "/"}.`,
    args: z.object({ path: z.string().min(1) }),
    async prepare({ path }) {
      const resolved = await resolveForRead(expandHome(path, { home: deps.home }), roots);
      if (!resolved.ok) return { refused: resolved.reason };
      return {
        summary: `read: ${resolved.path}`,
        async run() {
          const handle = await open(resolved.path, "r");
          try {
            const { size } = await handle.stat();
            if (!(await handle.stat()).isFile()) return `${resolved.path} is not a regular file`;
            const buffer = Buffer.alloc(Math.min(size, max));
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
            const bytes = buffer.subarray(0, bytesRead);
            if (looksBinary(bytes))
              return `${resolved.path} is a binary file (${size} bytes); it cannot be read as text`;
            const text = bytes.toString("utf8");
            return size > max ? `${text}\n[only the first ${max} of ${size} bytes]` : text;
          } finally {
            await handle.close();
          }
        },
      };
    },
  });
}

function writeFileTool(
  deps: SystemToolDeps,
): Tool<{ path: string; content: string; append?: boolean | undefined }> {
  const roots = fileRoots(deps.config, deps.home, deps.secrets?.files);
  const max = deps.config.files.max_write_bytes;
  return defineTool({
    name: "write_file",
    description: () =>
      `Write (or append to) a text file. Allowed under: ${roots.write.join(", ") || "nowhere"}. The user may be asked to approve it first.`,
    args: z.object({
      path: z.string().min(1),
      content: z.string(),
      append: z.boolean().optional().describe("Add to the end instead of replacing the file"),
    }),
    async prepare({ path, content, append }) {
      if (Buffer.byteLength(content) > max) return { refused: `the content is larger than ${max} bytes` };
      const resolved = await resolveForWrite(expandHome(path, { home: deps.home }), roots);
      if (!resolved.ok) return { refused: resolved.reason };
      const bytes = Buffer.byteLength(content);
      return {
        summary: `${append ? "append to" : "write"}: ${resolved.path} (${bytes} bytes)`,
        async run() {
          const before = append ? await readFile(resolved.path, "utf8").catch(() => "") : "";
          await writeFileAtomic(resolved.path, before + content);
          return `${append ? "appended" : "wrote"} ${bytes} bytes to ${resolved.path}`;
        },
      };
    },
  });
}

export function systemTools(deps: SystemToolDeps): Tool<unknown>[] {
  return [runCommandTool(deps), readFileTool(deps), writeFileTool(deps)] as Tool<unknown>[];
}
