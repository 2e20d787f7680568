import { duration } from "../../../core/config/fields.ts";
import { DaemonClient, NOT_RUNNING_HINT } from "../../../core/control/client.ts";
import { ExitCode, isUserError, UserError } from "../../../core/errors.ts";
import type { CliApp } from "../../../core/module.ts";
import { DesktopBuses } from "../../../desktop/dbus.ts";
import { hookStateNow, writeHookFile } from "../../../desktop/idle/hooks.ts";
import { lockScreen } from "../../../desktop/session-actions.ts";
import { OVERRIDES, type Override, type PresenceConfig } from "../config.ts";
import { COMMAND } from "../entities.ts";
import { hookFile } from "../files.ts";
import { saveOverride } from "../override.ts";
import { probeAll } from "../probe.ts";
import { formatReport } from "./format.ts";

type App = CliApp<PresenceConfig>;

/**
 * Runs a command in the daemon; undefined when no daemon runs, so the caller can do
 * the next best thing instead of failing a hook bound to an idle daemon.
 */
async function inDaemon(
  app: App,
  command: string,
  args: Record<string, unknown>,
): Promise<unknown | undefined> {
  const { ctx } = await app.load();
  let client: DaemonClient;
  try {
    client = await DaemonClient.connect(ctx.paths);
  } catch (error) {
    if (isUserError(error) && error.hint === NOT_RUNNING_HINT) return undefined;
    throw error;
  }
  try {
    return await client.run(command, args);
  } finally {
    client.close();
  }
}

export async function statusAction(app: App, options: { json?: boolean }): Promise<void> {
  const { ctx, config } = await app.load();
  const report = await probeAll(ctx, config);
  if (options.json) app.output.json(report);
  else for (const line of formatReport(report)) app.output.line(line);
}

export async function overrideAction(app: App, mode: string, options: { json?: boolean }): Promise<void> {
  if (!(OVERRIDES as readonly string[]).includes(mode)) {
    throw new UserError(`"${mode}" is not an override mode`, {
      code: ExitCode.usage,
      hint: "use one of: deskhub presence override auto|on|off",
    });
  }
  const value = mode as Override;
  const result = (await inDaemon(app, COMMAND.setOverride, { value })) as { in_office?: unknown } | undefined;
  if (result === undefined) {
    const { ctx } = await app.load();
    await saveOverride(ctx.paths, value);
    if (options.json) app.output.json({ override: value, daemon: false });
    else app.output.line(`override ${value} saved; the daemon is not running and applies it when it starts`);
    return;
  }
  if (options.json) app.output.json({ override: value, daemon: true, in_office: result.in_office ?? null });
  else
    app.output.line(
      `override ${value}; in office: ${result.in_office === true ? "yes" : result.in_office === false ? "no" : "unknown"}`,
    );
}

function parseFor(text: string | undefined): number {
  if (text === undefined) return 0;
  const parsed = duration().safeParse(/^\d+(\.\d+)?$/.test(text) ? Number(text) : text);
  if (!parsed.success) {
    throw new UserError(`--for "${text}" is not a duration`, {
      code: ExitCode.usage,
      hint: "write seconds or a duration such as 300, 90s, 5m",
    });
  }
  return parsed.data;
}

export async function hookAction(
  app: App,
  state: "idle" | "active",
  forText: string | undefined,
): Promise<void> {
  const idleFor = parseFor(forText);
  const args = state === "idle" ? { state, idle_for: idleFor } : { state };
  const result = await inDaemon(app, COMMAND.idleHook, args);
  if (result !== undefined) return;
  // No daemon: leave the crossing where the next daemon looks first, and say so once.
  const { ctx } = await app.load();
  await writeHookFile(hookFile(ctx.paths), hookStateNow(state, idleFor * 1000, Date.now()));
  process.stderr.write(`deskhub: the daemon is not running; "${state}" is saved for when it starts\n`);
}

export async function lockAction(app: App, options: { json?: boolean }): Promise<void> {
  const { ctx, config } = await app.load();
  const buses = new DesktopBuses(ctx.env);
  try {
    const { method } = await lockScreen({ env: ctx.env, buses, command: config.actions.lock_command });
    if (options.json) app.output.json({ locked: true, method });
    else app.output.line(`locked (${method})`);
  } finally {
    await buses.close();
  }
}
