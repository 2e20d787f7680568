/**
 * `deskhub voice start` from a compositor key bind: process start until the daemon has
 * acknowledged (the recording runs) and the process has exited, against `node -e 0`
 * in the same run. The daemon is the real one (startDaemon, control socket) running the
 * voice module in this process; the CLI is `node src/main.ts` as the tests run it.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDaemon } from "../src/app/daemon/daemon.ts";
import voice from "../src/modules/voice/index.ts";
import { median, percentile, table } from "./lib.ts";

/** Like lib.ts's timeCommand, but asynchronous: the daemon in this process must keep answering. */
function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.on("close", (code) =>
      code === 0
        ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
        : reject(new Error(`${args.join(" ")}: ${stderr}`)),
    );
  });
}

const runs = Number(process.env.BENCH_RUNS ?? 15);
const root = fileURLToPath(new URL("..", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "deskhub-bench-cli-"));
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, "config"),
  XDG_DATA_HOME: join(home, "data"),
  XDG_STATE_HOME: join(home, "state"),
  XDG_RUNTIME_DIR: join(home, "run"),
  DESKHUB_LOG_LEVEL: "warn",
};
const port = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const address = server.address();
    server.close(() => resolve(typeof address === "object" && address ? address.port : 7373));
  });
});
mkdirSync(join(home, "config/deskhub"), { recursive: true });
writeFileSync(
  join(home, "config/deskhub/config.yaml"),
  [
    "dashboard:",
    `  port: ${port}`,
    "voice:",
    "  trigger: cli",
    "  stt: pocketsphinx",
    "  indicator_style: none",
    "  recording:",
    '    command: ["sox", "-n", "-t", "raw", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-", "synth", "60", "sine", "440"]',
    "",
  ].join("\n"),
);
const daemon = await startDaemon({ env, modules: [voice] });
const node = process.execPath;
const main = join(root, "src/main.ts");
const trigger = join(root, "src/modules/voice/commands/trigger.ts");
// The voice module's own part: what `voice start` costs once the CLI has found the command.
const direct = `const { runTrigger } = await import(${JSON.stringify(trigger)}); await runTrigger({ output: { json() {}, line() {} } }, "voice.start", {}, false);`;
const samples: Record<string, number[]> = {
  "node -e 0": [],
  "deskhub --version": [],
  "deskhub voice start (daemon ack)": [],
  "voice trigger code alone (node + trigger.ts + socket)": [],
};
try {
  for (let i = 0; i < runs; i++) {
    samples["node -e 0"]!.push(await timeCommand(node, ["-e", "0"], env));
    samples["deskhub --version"]!.push(await timeCommand(node, [main, "--version"], env));
    samples["deskhub voice start (daemon ack)"]!.push(await timeCommand(node, [main, "voice", "start"], env));
    if (daemon.runtime.store.value("voice.status") !== "recording")
      throw new Error("voice start did not start a recording");
    await daemon.runtime.store.run("voice.cancel", {}, "test");
    samples["voice trigger code alone (node + trigger.ts + socket)"]!.push(
      await timeCommand(node, ["--input-type=module", "-e", direct], env),
    );
    if (daemon.runtime.store.value("voice.status") !== "recording")
      throw new Error("the direct trigger did not start a recording");
    await daemon.runtime.store.run("voice.cancel", {}, "test");
  }
} finally {
  await daemon.stop();
  rmSync(home, { recursive: true, force: true });
}
const base = median(samples["node -e 0"]!);
table(
  `CLI trigger from a key bind, src/main.ts (${runs} runs each, Node ${process.version})`,
  ["command", "p50 ms", "p90 ms", "ratio to node -e 0 (p50)"],
  Object.entries(samples).map(([name, values]) => [
    name,
    median(values),
    percentile(values, 90),
    median(values) / base,
  ]),
);
