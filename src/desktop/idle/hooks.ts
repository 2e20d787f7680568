import { readFile } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomic } from "../../core/atomic.ts";
import { type IdleReading, type IdleSource, SourceUnavailable } from "./source.ts";

export type HookState = "idle" | "active";

const HookFile = z.object({
  state: z.enum(["idle", "active"]),
  /** Epoch ms: since when idle (for `idle`), or when activity resumed (for `active`). */
  since: z.number(),
});
type HookFile = z.infer<typeof HookFile>;

export const HOOK_HINT =
  "add `on-timeout = deskhub presence idle` and `on-resume = deskhub presence active` to a hypridle listener";

/**
 * Crossings reported from outside (hypridle's on-timeout/on-resume, any idle daemon's
 * hooks) through `deskhub presence idle|active`. The last one is kept in a runtime
 * file, so a restarted daemon still knows the user went idle before it started.
 */
export class HookIdle implements IdleSource {
  readonly name = "hooks" as const;
  readonly file: string;
  #now: () => number;
  #state: HookFile | undefined;

  constructor(options: { file: string; now?: () => number }) {
    this.file = options.file;
    this.#now = options.now ?? Date.now;
  }

  async open(): Promise<void> {
    this.#state ??= await readHookFile(this.file);
    if (!this.#state) throw new SourceUnavailable(`no idle hook has reported yet (${HOOK_HINT})`);
  }

  async report(state: HookState, idleForMs = 0): Promise<void> {
    this.#state = hookStateNow(state, idleForMs, this.#now());
    await writeHookFile(this.file, this.#state);
  }

  async read(): Promise<IdleReading> {
    const state = this.#state ?? (await readHookFile(this.file));
    if (!state) throw new SourceUnavailable("no idle hook has reported yet");
    if (state.state === "active") return { idleMs: 0, idle: false };
    return { idleMs: Math.max(0, this.#now() - state.since), idle: true };
  }

  /** The hook state outlives any one use of the source: the monitor may pick it again. */
  async close(): Promise<void> {}
}

export async function readHookFile(file: string): Promise<HookFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = HookFile.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Also used by the CLI when no daemon runs, so the next daemon starts with the right state. */
export async function writeHookFile(file: string, state: HookFile): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

export function hookStateNow(state: HookState, idleForMs: number, now: number): HookFile {
  return { state, since: state === "idle" ? now - idleForMs : now };
}
