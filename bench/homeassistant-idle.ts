/**
 * What `deskhub up` costs while nothing happens, with the Home Assistant bridge connected
 * to a real mosquitto: resident memory and CPU over an idle window, against a bare Node
 * process (`setInterval`, nothing else) and the library floor (Node with the daemon's
 * libraries loaded, nothing else) measured over the same window. The daemons run from
 * source with the systemd unit's V8 flags.
 *
 *   node bench/homeassistant-idle.ts [seconds]     (default 60)
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { DAEMON_NODE_FLAGS } from "../src/app/daemon/node-flags.ts";
import { modules } from "../src/modules.ts";
import { startMosquitto } from "../test/helpers/mosquitto.ts";
import { freePort, makeSandbox, type Sandbox, spawnCli } from "../test/helpers/sandbox.ts";
import { cpuSeconds, rssMb, spawnLibraryFloor, table } from "./lib.ts";

const SECONDS = Number(process.argv[2] ?? 60);
const SETTLE_MS = 5_000;
const GOALS = { rssMb: 80, cpuPercent: 0.5 };

const broker = await startMosquitto();
const sandboxes: Sandbox[] = [];
const daemons: Array<ReturnType<typeof spawnCli>> = [];
const baseline = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
const floor = spawnLibraryFloor();

/** `deskhub up` with only the given modules enabled; resolves once it runs (and the bridge is online). */
async function up(node: string, enabled: readonly string[]): Promise<ReturnType<typeof spawnCli>> {
  const sandbox = makeSandbox({ DESKHUB_HOSTNAME: node });
  sandboxes.push(sandbox);
  mkdirSync(sandbox.configDir, { recursive: true });
  const sections = modules.map((m) =>
    m.name === "homeassistant"
      ? `homeassistant:\n  broker: "127.0.0.1:${broker.port}"\n  enabled: ${enabled.includes(m.name)}\n`
      : `${m.name}:\n  enabled: ${enabled.includes(m.name)}\n`,
  );
  writeFileSync(
    join(sandbox.configDir, "config.yaml"),
    `dashboard:\n  port: ${await freePort()}\n${sections.join("")}`,
  );
  const watcher = await mqtt.connectAsync(broker.url);
  await watcher.subscribeAsync(`deskhub/${node}/availability`);
  const online = new Promise<void>((resolve) =>
    watcher.on("message", (_topic, payload) => payload.toString() === "online" && resolve()),
  );
  const daemon = spawnCli(["up"], sandbox.env, DAEMON_NODE_FLAGS);
  daemons.push(daemon);
  const running = async () => {
    while (!existsSync(join(sandbox.runtimeDir, "daemon.sock"))) await new Promise((r) => setTimeout(r, 100));
  };
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`${node}: the daemon did not start:\n${daemon.output()}`)),
      30_000,
    ).unref(),
  );
  await Promise.race([enabled.includes("homeassistant") ? online : running(), timeout]);
  await watcher.endAsync();
  return daemon;
}

try {
  const present = modules.map((m) => m.name);
  const variants = [
    {
      name: "deskhub up: every module disabled (the foundation)",
      node: "benchnone",
      enabled: [] as string[],
    },
    { name: "deskhub up: homeassistant only", node: "benchha", enabled: ["homeassistant"] },
    ...(present.includes("presence")
      ? [
          {
            name: "deskhub up: presence + homeassistant",
            node: "benchpresence",
            enabled: ["presence", "homeassistant"],
          },
        ]
      : []),
    { name: `deskhub up: all modules (${present.join(", ")})`, node: "benchall", enabled: present },
  ];
  const pids: Array<{ name: string; pid: number }> = [
    { name: "baseline: node -e setInterval", pid: baseline.pid! },
    { name: "baseline: library floor (the daemon's libraries loaded, idle)", pid: floor.pid! },
  ];
  for (const variant of variants)
    pids.push({ name: variant.name, pid: (await up(variant.node, variant.enabled)).pid! });
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const before = pids.map(({ pid }) => cpuSeconds(pid));
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const rows = pids.map(({ name, pid }, i) => ({
    name,
    rss: rssMb(pid),
    cpu: ((cpuSeconds(pid) - before[i]!) / SECONDS) * 100,
  }));
  const base = rows[0]!;
  table(
    `Idle daemons with the bridge connected to mosquitto, ${SECONDS} s (run side by side)`,
    ["process", "RSS MB", "CPU % of a core", "RSS ratio"],
    rows.map((r) => [r.name, r.rss, r.cpu, r.rss / base.rss]),
  );
  const target = rows.find((r) => r.name.includes("presence + homeassistant")) ?? rows[3]!;
  console.log(
    `\ngoals for "${target.name}": RSS < ${GOALS.rssMb} MB ${target.rss < GOALS.rssMb ? "met" : "NOT met"}, CPU < ${GOALS.cpuPercent}% ${target.cpu < GOALS.cpuPercent ? "met" : "NOT met"} (CPU is counted in 10 ms ticks: ${(1 / SECONDS).toFixed(3)}% resolution)`,
  );
} finally {
  baseline.kill("SIGTERM");
  floor.kill("SIGTERM");
  for (const daemon of daemons) {
    if (daemon.exitCode !== null) continue;
    const exited = new Promise((r) => daemon.once("exit", r));
    daemon.kill("SIGTERM");
    await exited;
  }
  await broker.close();
  for (const sandbox of sandboxes) sandbox.cleanup();
}
