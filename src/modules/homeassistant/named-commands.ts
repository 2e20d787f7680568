import { execFile } from "node:child_process";
import { z } from "zod";
import type { Logger } from "../../core/log.ts";
import type { Store } from "../../core/store.ts";
import type { NamedCommandSpec } from "./config.ts";

const OUTPUT_TAIL = 2_000;

export function namedCommandId(name: string): string {
  return `homeassistant.cmd.${name}`;
}

function tail(text: string): string {
  return text.length > OUTPUT_TAIL ? `...${text.slice(-OUTPUT_TAIL)}` : text;
}

/**
 * Runs one allow-listed program: its argv exactly as configured, with no shell (so
 * nothing in it is ever interpreted) and killed when it outlives its timeout.
 */
export function runNamedCommand(spec: NamedCommandSpec): Promise<{ exit_code: 0; stdout: string }> {
  const [program, ...args] = spec.argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      { shell: false, timeout: spec.timeoutSeconds * 1000, killSignal: "SIGTERM", maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ exit_code: 0, stdout: tail(stdout) });
        const failure = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        if (failure.code === "ENOENT")
          return reject(new Error(`${spec.name}: ${program} is not installed or not on PATH`));
        if (failure.killed) {
          return reject(new Error(`${spec.name}: stopped after its ${spec.timeoutSeconds} s timeout`));
        }
        const detail = tail(stderr.trim() || stdout.trim());
        reject(
          new Error(
            `${spec.name}: ${program} exited with ${failure.code ?? "a signal"}${detail ? `: ${detail}` : ""}`,
          ),
        );
      },
    );
  });
}

/** Puts each allow-listed command in the store, which offers it to Home Assistant as a button. */
export function registerNamedCommands(store: Store, specs: readonly NamedCommandSpec[], log: Logger): void {
  for (const spec of specs) {
    store.command({
      id: namedCommandId(spec.name),
      summary: spec.label,
      args: z.object({}),
      async handler(_args, { source }) {
        log.info({ command: spec.name, argv: spec.argv, source }, "running a named command");
        const result = await runNamedCommand(spec);
        log.info({ command: spec.name }, "named command finished");
        return result;
      },
    });
  }
}
