import { ExitCode, UserError } from "../../../core/errors.ts";
import { clock } from "../labels.ts";
import type { Player } from "../player/player.ts";
import { type App, runtimeFor } from "./common.ts";

/** Player commands talk to mpv's socket directly: they work with or without the daemon. */
async function withPlayer<T>(app: App, fn: (player: Player) => Promise<T>): Promise<T> {
  const player = await (await runtimeFor(app)).player();
  try {
    return await fn(player);
  } finally {
    await player.close();
  }
}

export async function statusAction(app: App, options: { json?: boolean }): Promise<void> {
  const state = await withPlayer(app, (player) => player.state());
  if (options.json) {
    app.output.json(state);
    return;
  }
  if (!state.playing) {
    app.output.line("idle");
    return;
  }
  const where = `${clock(state.position ?? 0)}${state.duration ? ` / ${clock(state.duration)}` : ""}`;
  app.output.line(`${state.paused ? "paused" : "playing"}: ${state.title ?? state.id} [${where}]`);
  if (state.queued) app.output.line(`${state.queued} more queued`);
}

export async function pauseAction(app: App, options: { on?: boolean; off?: boolean }): Promise<void> {
  if (options.on && options.off)
    throw new UserError("--on and --off together make no sense", { code: ExitCode.usage });
  const value = options.on ? true : options.off ? false : undefined;
  const paused = await withPlayer(app, (player) => player.pause(value));
  app.output.line(paused ? "paused" : "playing");
}

export async function nextAction(app: App): Promise<void> {
  await withPlayer(app, (player) => player.next());
}

export async function seekAction(app: App, to: number, options: { relative?: boolean }): Promise<void> {
  await withPlayer(app, (player) => player.seek(to, options.relative ?? false));
}

export async function stopAction(app: App): Promise<void> {
  await withPlayer(app, (player) => player.stop());
}
