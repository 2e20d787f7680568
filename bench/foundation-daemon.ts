/**
 * The daemon idle with every module enabled on its defaults: RSS after start and CPU
 * over a window (60 s by default, BENCH_SECONDS to change), against an idle
 * `node -e setInterval` measured in the same run. Goal: under 80 MB and 0.5% of a core.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuSeconds, rssMb, table } from "./lib.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 60);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const home = mkdtempSync(join(tmpdir(), "deskhub-bench-"));
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, "config"),
  XDG_DATA_HOME: join(home, "data"),
  XDG_STATE_HOME: join(home, "state"),
  XDG_CACHE_HOME: join(home, "cache"),
  XDG_RUNTIME_DIR: join(home, "run"),
  DESKHUB_LOG_LEVEL: "warn",
};
mkdirSync(join(home, "config/deskhub"), { recursive: true });
writeFileSync(join(home, "config/deskhub/config.yaml"), `dashboard:\n  port: ${await freePort()}\n`);

const daemon = spawn(process.execPath, [join(root, "src/main.ts"), "up"], {
  env,
  stdio: ["ignore", "ignore", "pipe"],
});
const baseline = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
let started = false;
for (let i = 0; i < 200 && !started; i++) {
  await new Promise((r) => setTimeout(r, 100));
  const status = spawn(process.execPath, [join(root, "src/main.ts"), "status", "--json"], {
    env,
    stdio: "ignore",
  });
  started = (await new Promise((r) => status.on("exit", r))) === 0;
}
if (!started) throw new Error("the daemon did not start");
// Let start-up work (module probes, first publishes) settle before measuring idle.
await new Promise((r) => setTimeout(r, 3_000));
const rows = [];
const cpu0 = { daemon: cpuSeconds(daemon.pid!), baseline: cpuSeconds(baseline.pid!) };
const rss0 = { daemon: rssMb(daemon.pid!), baseline: rssMb(baseline.pid!) };
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = {
  daemon: ((cpuSeconds(daemon.pid!) - cpu0.daemon) / seconds) * 100,
  baseline: ((cpuSeconds(baseline.pid!) - cpu0.baseline) / seconds) * 100,
};
const rss = { daemon: rssMb(daemon.pid!), baseline: rssMb(baseline.pid!) };
rows.push(["deskhub up (all modules, defaults)", rss0.daemon, rss.daemon, cpu.daemon, "< 80 MB, < 0.5%"]);
rows.push(["node -e setInterval (baseline)", rss0.baseline, rss.baseline, cpu.baseline, ""]);
daemon.kill("SIGTERM");
baseline.kill();
await new Promise((r) => daemon.on("exit", r));
rmSync(home, { recursive: true, force: true });
table(
  `Daemon idle, ${seconds} s window`,
  ["process", "RSS after start MB", `RSS after ${seconds} s MB`, "CPU % of one core", "goal"],
  rows,
);
console.log(`\nRSS ratio to the bare Node baseline: ${(rss.daemon / rss.baseline).toFixed(2)}x`);
