import { type ChildProcess, spawn } from "node:child_process";
import { which } from "../../core/proc.ts";

export interface OpenWatch {
  close(): Promise<void>;
}

/**
 * Open and close events on the given files from inotifywait (inotify-tools), when it is
 * installed: Node's fs.watch cannot ask inotify for IN_OPEN/IN_CLOSE, and these are
 * exactly the moments a camera starts or stops being used. Undefined without it.
 */
export async function watchOpens(
  paths: readonly string[],
  env: NodeJS.ProcessEnv,
  onEvent: () => void,
  onExit: (code: number | null) => void,
): Promise<OpenWatch | undefined> {
  if (paths.length === 0) return undefined;
  const program = await which("inotifywait", env);
  if (!program) return undefined;
  const child: ChildProcess = spawn(
    program,
    ["-m", "-q", "-e", "open,close", "--format", "%w %e", ...paths],
    {
      env,
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  let closing = false;
  child.stdout?.on("data", (chunk: Buffer) => {
    if (/\b(OPEN|CLOSE)/.test(chunk.toString())) onEvent();
  });
  child.once("error", () => {});
  child.once("exit", (code) => {
    if (!closing) onExit(code);
  });
  return {
    async close() {
      closing = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
