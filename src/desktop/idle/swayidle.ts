import { type ChildProcess, spawn } from "node:child_process";
import { which } from "../../core/proc.ts";
import { type IdleReading, type IdleSource, SourceUnavailable } from "./source.ts";

/** How long swayidle must stay up to count as working: it exits at once without the protocol. */
const SETTLE_MS = 700;

/**
 * Wayland compositors with ext-idle-notify (sway, Hyprland, river, niri, labwc, ...):
 * a swayidle child with one timeout at the threshold that echoes each crossing.
 */
export class SwayidleIdle implements IdleSource {
  readonly name = "swayidle" as const;
  #env: NodeJS.ProcessEnv;
  #thresholdMs: number;
  #now: () => number;
  #child: ChildProcess | undefined;
  #idleSince: number | undefined;
  #listeners = new Set<() => void>();
  #failure: string | undefined;

  constructor(options: { env: NodeJS.ProcessEnv; thresholdMs: number; now?: () => number }) {
    this.#env = options.env;
    this.#thresholdMs = options.thresholdMs;
    this.#now = options.now ?? Date.now;
  }

  async open(): Promise<void> {
    if (!this.#env.WAYLAND_DISPLAY)
      throw new SourceUnavailable("not a Wayland session (WAYLAND_DISPLAY is unset)");
    const program = await which("swayidle", this.#env);
    if (!program) throw new SourceUnavailable("swayidle is not installed");
    const seconds = String(Math.max(1, Math.round(this.#thresholdMs / 1000)));
    const child = spawn(program, ["-w", "timeout", seconds, "echo idle", "resume", "echo active"], {
      env: this.#env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    let pending = "";
    child.stdout?.on("data", (chunk) => {
      pending += chunk;
      let index = pending.indexOf("\n");
      while (index >= 0) {
        this.#line(pending.slice(0, index).trim());
        pending = pending.slice(index + 1);
        index = pending.indexOf("\n");
      }
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, SETTLE_MS);
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(new SourceUnavailable(`cannot start swayidle: ${error.message}`));
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        const reason = stderr.trim().split("\n").at(-1) || `exited with ${code ?? signal}`;
        this.#failure = `swayidle stopped: ${reason}`;
        reject(new SourceUnavailable(`swayidle cannot watch this compositor: ${reason}`));
        for (const listener of this.#listeners) listener();
      });
    });
  }

  #line(line: string): void {
    if (line === "idle") this.#idleSince = this.#now();
    else if (line === "active") this.#idleSince = undefined;
    else return;
    for (const listener of this.#listeners) listener();
  }

  async read(): Promise<IdleReading> {
    if (this.#failure) throw new Error(this.#failure);
    if (this.#idleSince === undefined) return { idleMs: 0, idle: false };
    return { idleMs: this.#thresholdMs + (this.#now() - this.#idleSince), idle: true };
  }

  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}
