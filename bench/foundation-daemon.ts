/**
 * The daemon idle with every module enabled on its defaults (ports aside): RSS after
 * start and CPU over a window (60 s by default, BENCH_SECONDS to change), against an idle
 * `node -e setInterval` and against the library floor (`spawnLibraryFloor`: Node with the
 * daemon's libraries loaded and nothing else), measured in the same run. Goal: under 80 MB
 * and 0.5% of a core. Two daemons run side by side over the same window, each with the V8
 * flags of the systemd unit: `node src/main.ts up` (what `npm start` runs: Node strips the
 * types as it loads each file) and the packaged JavaScript (`bin/deskhub.js up`, what
 * `npm install -g` runs), built by tsc into a private directory so nobody's dist/ is
 * disturbed.
 */
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DAEMON_NODE_FLAGS } from "../src/app/daemon/node-flags.ts";
import { buildPackage } from "../test/helpers/package-build.ts";
import { freePort, makeSandbox } from "../test/helpers/sandbox.ts";
import { cpuSeconds, rssMb, spawnLibraryFloor, table } from "./lib.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 60);

const build = buildPackage("deskhub-bench-daemon");

interface Daemon {
  name: string;
  pid: number;
  stop(): Promise<void>;
}

async function up(name: string, entry: string): Promise<Daemon> {
  const sandbox = makeSandbox({ DESKHUB_LOG_LEVEL: "warn" });
  const { env } = sandbox;
  mkdirSync(sandbox.configDir, { recursive: true });
  // Defaults everywhere except the ports: the dashboard, the embedded MQTT broker (1883 by
  // default) and the IPTV listeners (8080/7070) get free ports, so the benchmark never
  // collides with a deskhub, a broker or a test running on the same machine.
  writeFileSync(
    join(sandbox.configDir, "config.yaml"),
    [
      "dashboard:",
      `  port: ${await freePort()}`,
      "homeassistant:",
      "  embedded:",
      `    port: ${await freePort()}`,
      "iptv:",
      "  listeners:",
      "    full:",
      `      port: ${await freePort()}`,
      "    mini:",
      `      port: ${await freePort()}`,
      "",
    ].join("\n"),
  );
  const daemon = spawn(process.execPath, [...DAEMON_NODE_FLAGS, entry, "up"], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  daemon.stderr.on("data", (c: Buffer) => (stderr += c));
  let started = false;
  for (let i = 0; i < 200 && !started && daemon.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const status = spawn(process.execPath, [entry, "status", "--json"], { env, stdio: "ignore" });
    started = (await new Promise((r) => status.on("exit", r))) === 0;
  }
  if (!started) throw new Error(`${name}: the daemon did not start\n${stderr}`);
  return {
    name,
    pid: daemon.pid!,
    async stop() {
      if (daemon.exitCode === null) {
        const exited = new Promise((r) => daemon.on("exit", r));
        daemon.kill("SIGTERM");
        await exited;
      }
      sandbox.cleanup();
    },
  };
}

const baseline = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
const floor = spawnLibraryFloor();
const daemons: Daemon[] = [];
try {
  daemons.push(await up("deskhub up, from source (node src/main.ts)", join(root, "src/main.ts")));
  daemons.push(await up("deskhub up, packaged (bin/deskhub.js -> dist/)", join(build, "bin/deskhub.js")));
  // Let start-up work (module probes, first publishes) settle before measuring idle.
  await new Promise((r) => setTimeout(r, 3_000));
  const processes = [
    ...daemons,
    { name: "library floor: the daemon's libraries loaded, idle (baseline)", pid: floor.pid! },
    { name: "node -e setInterval (baseline)", pid: baseline.pid! },
  ];
  const before = processes.map((p) => ({ cpu: cpuSeconds(p.pid), rss: rssMb(p.pid) }));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const results = processes.map((p, i) => ({
    name: p.name,
    rss0: before[i]!.rss,
    rss: rssMb(p.pid),
    cpu: ((cpuSeconds(p.pid) - before[i]!.cpu) / seconds) * 100,
  }));
  const base = results.at(-1)!;
  const floorResult = results.at(-2)!;
  table(
    `Daemon idle, all modules on their defaults, ${seconds} s window (run side by side)`,
    [
      "process",
      "RSS after start MB",
      `RSS after ${seconds} s MB`,
      "RSS ratio to bare Node",
      "RSS ratio to library floor",
      "CPU % of one core",
      "goal",
    ],
    results.map((r) => [
      r.name,
      r.rss0,
      r.rss,
      r.rss / base.rss,
      r.rss / floorResult.rss,
      r.cpu,
      r.name.endsWith("(baseline)") ? "baseline" : "< 80 MB, < 0.5%",
    ]),
  );
  for (const r of results.slice(0, daemons.length))
    console.log(
      `\n${r.name}: RSS < 80 MB ${r.rss < 80 ? "met" : "NOT met"} (${r.rss.toFixed(1)} MB), CPU < 0.5% ${r.cpu < 0.5 ? "met" : "NOT met"} (${r.cpu.toFixed(2)}%; counted in 10 ms ticks, ${(1 / seconds).toFixed(3)}% resolution)`,
    );
} finally {
  baseline.kill();
  floor.kill();
  for (const daemon of daemons) await daemon.stop();
  rmSync(build, { recursive: true, force: true });
}
