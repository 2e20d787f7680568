import { spawn } from "node:child_process";
import { ExitCode, UserError } from "../../core/errors.ts";

/**
 * Hands a file or URL to the desktop (xdg-open by default) and does not wait for the
 * application: a browser or viewer outlives the command that opened it.
 */
export function openExternally(
  command: readonly string[],
  target: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const [program, ...args] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(program!, [...args, target], { env, detached: true, stdio: "ignore" });
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new UserError(`cannot run ${program} to open ${target}: ${error.code ?? error.message}`, {
          code: error.code === "EACCES" ? ExitCode.noPerm : ExitCode.unavailable,
          hint:
            error.code === "ENOENT"
              ? `install xdg-utils, or set files.open_command in config.yaml`
              : "check files.open_command in config.yaml",
        }),
      );
    });
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
  });
}
