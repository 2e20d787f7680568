import { execFileSync, spawn } from "node:child_process";
import { stopChild } from "../../helpers/xvfb.ts";

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
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let errors = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));
  let windowId = "";
  const deadline = Date.now() + 10_000;
  while (!windowId && Date.now() < deadline && child.exitCode === null) {
    try {
      windowId =
        execFileSync("xdotool", ["search", "--name", name], {
          env,
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
        })
          .trim()
          .split("\n")[0] ?? "";
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!windowId) {
    child.kill();
    throw new Error(`the xev window did not appear (xev exit ${child.exitCode}): ${errors}`);
  }
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
