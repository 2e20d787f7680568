import { execFile, execFileSync } from "node:child_process";
import { firstAvailable } from "../../core/proc.ts";

interface Mixer {
  program: string;
  path: string;
  isMutedArgs: string[];
  parseMuted(output: string): boolean;
  setArgs(muted: boolean): string[];
}

const MIXERS: Record<string, Omit<Mixer, "path">> = {
  wpctl: {
    program: "wpctl",
    isMutedArgs: ["get-volume", "@DEFAULT_AUDIO_SOURCE@"],
    parseMuted: (out) => out.includes("[MUTED]"),
    setArgs: (muted) => ["set-mute", "@DEFAULT_AUDIO_SOURCE@", muted ? "1" : "0"],
  },
  pactl: {
    program: "pactl",
    isMutedArgs: ["get-source-mute", "@DEFAULT_SOURCE@"],
    parseMuted: (out) => /:\s*yes/i.test(out),
    setArgs: (muted) => ["set-source-mute", "@DEFAULT_SOURCE@", muted ? "1" : "0"],
  },
};

function run(path: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(path, args, { timeout: 3000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}

/**
 * Mutes the default microphone while deskhub speaks, so its own voice is not heard as
 * the user's, and unmutes it after: on success, on error, and when the process exits.
 * A microphone the user had muted stays muted.
 */
export class MicMute {
  #mixer: Promise<Mixer | undefined>;
  #held = 0;
  #mutedWith: Mixer | undefined;
  #onExit = () => this.#unmuteSync();

  constructor(options: { env?: NodeJS.ProcessEnv; prefer?: readonly string[] } = {}) {
    const order = options.prefer ?? ["wpctl", "pactl"];
    this.#mixer = firstAvailable(order, options.env).then((found) =>
      found && MIXERS[found.program] ? { ...MIXERS[found.program]!, path: found.path } : undefined,
    );
  }

  /** Which tool does the muting, or undefined when none is installed. */
  async tool(): Promise<string | undefined> {
    return (await this.#mixer)?.program;
  }

  /** Mutes until the returned release is called; nested holds share one mute. */
  async hold(): Promise<() => Promise<void>> {
    this.#held++;
    if (this.#held === 1) await this.#mute();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.#held--;
      if (this.#held === 0) await this.#unmute();
    };
  }

  async #mute(): Promise<void> {
    const mixer = await this.#mixer;
    if (!mixer) return;
    try {
      if (mixer.parseMuted(await run(mixer.path, mixer.isMutedArgs))) return;
      await run(mixer.path, mixer.setArgs(true));
      this.#mutedWith = mixer;
      process.once("exit", this.#onExit);
    } catch {
      // No audio server (a headless session): there is nothing to mute.
    }
  }

  async #unmute(): Promise<void> {
    const mixer = this.#mutedWith;
    if (!mixer) return;
    this.#mutedWith = undefined;
    process.off("exit", this.#onExit);
    await run(mixer.path, mixer.setArgs(false)).catch(() => {});
  }

  /** At exit only synchronous work runs. */
  #unmuteSync(): void {
    const mixer = this.#mutedWith;
    if (!mixer) return;
    this.#mutedWith = undefined;
    try {
      execFileSync(mixer.path, mixer.setArgs(false), { timeout: 2000, stdio: "ignore" });
    } catch {}
  }
}
