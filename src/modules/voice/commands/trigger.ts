import { runInDaemon } from "../../../core/control/client.ts";
import type { CliApp } from "../../../core/module.ts";
import { resolvePaths } from "../../../core/paths.ts";
import type { VoiceConfig } from "../config.ts";

/**
 * start/stop/toggle/cancel/interrupt: one request to the daemon's socket. The config is
 * not loaded (the socket path depends only on XDG_RUNTIME_DIR), which keeps a key bind
 * close to a bare `node` start.
 */
export async function runTrigger(
  app: CliApp<VoiceConfig>,
  command: string,
  args: Record<string, unknown>,
  json: boolean,
): Promise<void> {
  const result = await runInDaemon<Record<string, unknown>>(resolvePaths(process.env), command, args);
  if (json) return app.output.json(result);
  if (typeof result?.text === "string" && result.text) app.output.line(result.text);
  else if (typeof result?.error === "string") process.stderr.write(`deskhub: ${result.error}\n`);
}
