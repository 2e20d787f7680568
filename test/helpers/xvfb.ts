import { type ChildProcess, execFileSync, spawn } from "node:child_process";

export interface Xvfb {
  child: ChildProcess;
  /** `:N`, picked by the server itself (-displayfd), so parallel test files never collide. */
  display: string;
  /** The test's environment pointed at this display only (no Wayland to prefer). */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * A real X server, resolved once it accepts clients. `-noreset`: by default Xvfb resets
 * itself when its last client leaves, and a client that connects during the reset is
 * turned away, which made a test's second X window fail at random.
 */
export function startXvfb(extra: string[] = []): Promise<Xvfb> {
  const child = spawn(
    "Xvfb",
    ["-displayfd", "3", "-screen", "0", "1280x720x24", "-nolisten", "tcp", "-noreset", ...extra],
    { stdio: ["ignore", "ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start in 10 s: ${stderr}`)), 10_000);
    child.stdio[3]?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (!text.includes("\n")) return;
      clearTimeout(timer);
      const display = `:${text.trim()}`;
      resolve({
        child,
        display,
        env: { ...process.env, DISPLAY: display, WAYLAND_DISPLAY: "" },
        stop: () => stopChild(child),
      });
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`Xvfb exited with ${code}: ${stderr}`)));
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** xdotool on that display; its complaints (no window yet) go into the thrown error, not the test log. */
export function xdotool(display: string, ...args: string[]): string {
  return execFileSync("xdotool", args, {
    env: { ...process.env, DISPLAY: display },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}
