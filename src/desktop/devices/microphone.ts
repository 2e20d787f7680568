import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import type { Logger } from "../../core/log.ts";
import { which } from "../../core/proc.ts";
import { isSourceOutputEvent, parseShortSources, parseSourceOutputs } from "./pactl.ts";
import { parseCaptureStreams } from "./pipewire.ts";

const run = promisify(execFile);

export const MIC_BACKENDS = ["pactl", "pw-dump"] as const;
export type MicBackend = (typeof MIC_BACKENDS)[number];

export interface MicUser {
  application: string;
  pid?: number;
  binary?: string;
}

export interface MicState {
  /** False when neither PulseAudio nor PipeWire could be asked; `reason` says why. */
  available: boolean;
  backend: MicBackend | "none";
  inUse: boolean;
  users: MicUser[];
  reason?: string;
}

export interface MicOptions {
  env: NodeJS.ProcessEnv;
  backend: MicBackend | "auto";
  /** Applications (name or binary) whose recording does not count, e.g. level meters. */
  ignore: readonly string[];
}

function ignored(user: MicUser, ignore: readonly string[]): boolean {
  const names = [user.application, user.binary].filter(Boolean).map((n) => n!.toLowerCase());
  return ignore.some((name) => names.includes(name.toLowerCase()));
}

async function viaPactl(program: string, options: MicOptions): Promise<MicUser[]> {
  const opts = { env: options.env, timeout: 3000, maxBuffer: 8 * 1024 * 1024 };
  const [outputs, sources] = await Promise.all([
    run(program, ["list", "source-outputs"], opts),
    run(program, ["list", "short", "sources"], opts),
  ]);
  const names = parseShortSources(sources.stdout);
  return parseSourceOutputs(outputs.stdout)
    .filter((o) => !o.corked && !(names.get(o.source ?? -1) ?? "").endsWith(".monitor"))
    .map((o) => {
      const pid = Number(o.properties["application.process.id"]);
      return {
        application: o.properties["application.name"] ?? o.properties["media.name"] ?? `stream ${o.index}`,
        pid: Number.isFinite(pid) && pid > 0 ? pid : undefined,
        binary: o.properties["application.process.binary"],
      };
    });
}

async function viaPwDump(program: string, options: MicOptions): Promise<MicUser[]> {
  const { stdout } = await run(program, [], { env: options.env, timeout: 5000, maxBuffer: 64 * 1024 * 1024 });
  return parseCaptureStreams(stdout)
    .filter((s) => s.state === "running" && s.from.includes("Audio/Source"))
    .map((s) => ({ application: s.application, pid: s.pid, binary: s.binary }));
}

/** Asks the first sound server client that answers who records from a microphone. */
export async function probeMicrophone(options: MicOptions): Promise<MicState> {
  const backends = options.backend === "auto" ? MIC_BACKENDS : [options.backend];
  const reasons: string[] = [];
  for (const backend of backends) {
    const program = await which(backend, options.env);
    if (!program) {
      reasons.push(`${backend} is not installed`);
      continue;
    }
    try {
      const all = backend === "pactl" ? await viaPactl(program, options) : await viaPwDump(program, options);
      const users = all.filter((user) => !ignored(user, options.ignore));
      return { available: true, backend, inUse: users.length > 0, users };
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      reasons.push(`${backend} failed: ${(e.stderr?.trim() || e.message).split("\n")[0]}`);
    }
  }
  return {
    available: false,
    backend: "none",
    inUse: false,
    users: [],
    reason: `no PulseAudio or PipeWire to ask (${reasons.join("; ")})`,
  };
}

export interface MicWatcherOptions extends MicOptions {
  /** Poll interval when no event stream is available (pw-dump only, or pactl subscribe died). */
  pollMs: number;
  log?: Logger;
  onChange(state: MicState): void;
}

/**
 * Keeps the microphone state current. With pactl, `pactl subscribe` reports each
 * recording stream that comes, goes or is corked, so nothing is polled; otherwise
 * the sound server is asked every `pollMs`.
 */
export class MicrophoneWatcher {
  #options: MicWatcherOptions;
  #subscriber: ChildProcess | undefined;
  #timer: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  #running = false;
  #last: string | undefined;

  constructor(options: MicWatcherOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#running = true;
    const state = await this.refresh();
    if (state.backend === "pactl") this.#subscribe();
    else this.#poll();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    clearTimeout(this.#soon);
    const child = this.#subscriber;
    this.#subscriber = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  }

  async refresh(): Promise<MicState> {
    const state = await probeMicrophone(this.#options);
    const key = JSON.stringify(state);
    if (key !== this.#last && this.#running) {
      this.#last = key;
      this.#options.onChange(state);
    }
    return state;
  }

  #poll(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(async () => {
      await this.refresh().catch((error) =>
        this.#options.log?.warn({ err: error }, "microphone probe failed"),
      );
      this.#poll();
    }, this.#options.pollMs);
  }

  #subscribe(): void {
    void which("pactl", this.#options.env).then((program) => {
      if (!program || !this.#running) return this.#poll();
      const child = spawn(program, ["subscribe"], {
        env: this.#options.env,
        stdio: ["ignore", "pipe", "ignore"],
      });
      this.#subscriber = child;
      let pending = "";
      child.stdout?.on("data", (chunk) => {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        // Streams arrive in bursts (new + change); one probe after the burst is enough.
        if (lines.some(isSourceOutputEvent)) {
          clearTimeout(this.#soon);
          this.#soon = setTimeout(() => void this.refresh().catch(() => {}), 150);
        }
      });
      child.once("exit", (code) => {
        if (!this.#running) return;
        this.#subscriber = undefined;
        this.#options.log?.warn({ code }, "pactl subscribe stopped; polling the microphone instead");
        void this.refresh().catch(() => {});
        this.#poll();
      });
      child.once("error", () => {});
    });
  }
}
