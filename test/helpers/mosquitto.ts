import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./sandbox.ts";

/** A real mosquitto (Debian's) on a free loopback port, private to one test file. */
export interface Mosquitto {
  port: number;
  /** `mqtt://127.0.0.1:<port>` */
  url: string;
  /** What mosquitto logged, for failing tests. */
  output(): string;
  /** Stops it (SIGTERM) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port, with no retained messages (persistence is off). */
  start(): Promise<void>;
  restart(): Promise<void>;
  /**
   * Freezes it (SIGSTOP) with every connection open: clients see no error, their
   * publishes just go unacknowledged, like a broker stuck behind a stalled network.
   */
  pause(): void;
  /** Thaws it (SIGCONT); it then handles whatever waited. */
  resume(): void;
  /** Stops it for good and removes its config directory. */
  close(): Promise<void>;
}

function mosquittoBinary(): string {
  for (const candidate of ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"])
    if (existsSync(candidate)) return candidate;
  return "mosquitto";
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function startMosquitto(options: { port?: number } = {}): Promise<Mosquitto> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "deskhub-mosquitto-"));
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence false",
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "log_type notice",
      "",
    ].join("\n"),
  );
  let child: ChildProcess | undefined;
  let log = "";

  async function start(): Promise<void> {
    const proc = spawn(mosquittoBinary(), ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    proc.stdout?.on("data", (chunk) => (log += chunk));
    proc.stderr?.on("data", (chunk) => (log += chunk));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode}:\n${log}`);
      if (await accepts(port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    proc.kill("SIGKILL");
    throw new Error(`mosquitto did not listen on ${port} within 10 s:\n${log}`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGCONT");
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    output: () => log,
    stop,
    start,
    async restart() {
      await stop();
      await start();
    },
    pause() {
      child?.kill("SIGSTOP");
    },
    resume() {
      child?.kill("SIGCONT");
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
