import { type ChildProcess, execFileSync, spawn } from "node:child_process";

/** A real X server (Xvfb) for typing tests, on a display number it picks itself. */
export async function startXvfb(): Promise<{
  display: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}> {
  const child = spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "800x600x24", "-nolisten", "tcp"], {
    stdio: ["ignore", "ignore", "ignore", "pipe"],
  });
  const display = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("Xvfb did not start in 10 s")), 10_000);
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) {
        clearTimeout(timer);
        resolve(`:${out.trim()}`);
      }
    });
    child.once("error", reject);
  });
  return {
    display,
    env: { ...process.env, DISPLAY: display, WAYLAND_DISPLAY: "" },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/**
 * xev: a real X client window that prints every key event it receives. Focused, it is
 * the "focused window" text is typed into, and its output tells what arrived.
 */
export async function startXevWindow(
  env: NodeJS.ProcessEnv,
): Promise<{ typed(): string; windowId: string; stop(): Promise<void> }> {
  const name = `deskhub-target-${process.pid}-${Date.now()}`;
  const child = spawn("xev", ["-name", name, "-event", "keyboard"], {
    env,
    stdio: ["ignore", "pipe", "ignore"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  let windowId = "";
  const deadline = Date.now() + 10_000;
  while (!windowId && Date.now() < deadline) {
    try {
      windowId =
        execFileSync("xdotool", ["search", "--name", name], { env, encoding: "utf8" })
          .trim()
          .split("\n")[0] ?? "";
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!windowId) throw new Error("the xev window did not appear");
  execFileSync("xdotool", ["windowfocus", "--sync", windowId], { env });
  return {
    windowId,
    typed() {
      // Each KeyPress block ends with the characters XLookupString produced for it.
      const presses = output.split(/\n(?=\S)/).filter((block) => block.startsWith("KeyPress"));
      return presses
        .map((block) => {
          const match = /XLookupString gives (\d+) bytes: (?:\([0-9a-f ]+\) )?"(.*)"/.exec(block);
          return match && match[1] !== "0" ? match[2] : "";
        })
        .join("");
    },
    stop: () => stopChild(child),
  };
}
