/**
 * What the presence service costs the daemon while nobody touches the desktop: CPU and
 * resident memory of `deskhub up` with only presence enabled, against the same daemon
 * with every module disabled and a bare Node process, side by side over one window.
 * Presence runs as on a KDE desktop with a camera: idle read over D-Bus every 2 s (a
 * ScreenSaver service on a private bus, in its own process), the /proc scan every 3 s
 * for a camera node, system sensors every 30 s, logind signals on a second bus.
 * Microphone watching is off: without a sound server here it would only measure a fake.
 *
 *   node bench/presence-idle.ts [seconds]     (default 60)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DAEMON_NODE_FLAGS } from "../src/app/daemon/node-flags.ts";
import { DaemonClient } from "../src/core/control/client.ts";
import { resolvePaths } from "../src/core/paths.ts";
import { modules } from "../src/modules.ts";
import { startSessionBus } from "../test/helpers/dbus.ts";
import { freePort, makeSandbox, type Sandbox, spawnCli, waitFor } from "../test/helpers/sandbox.ts";
import { cpuSeconds, rssMb, table } from "./lib.ts";

const SECONDS = Number(process.argv[2] ?? 60);
const SETTLE_MS = 5_000;

/** CPU seconds of a process and every process below it (inhibitors, helpers). */
function treeCpuSeconds(root: number): number {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // Exited while we looked.
    }
  }
  let total = 0;
  const visit = (pid: number) => {
    try {
      total += cpuSeconds(pid);
    } catch {
      return;
    }
    for (const [child, parent] of parents) if (parent === pid) visit(child);
  };
  visit(root);
  return total;
}

const [session, system] = await Promise.all([startSessionBus(), startSessionBus()]);
const dir = mkdtempSync(join(tmpdir(), "deskhub-bench-idle-"));
const sandboxes: Sandbox[] = [];
const processes: ChildProcess[] = [];

async function up(node: string, enabled: readonly string[]): Promise<ChildProcess> {
  const sandbox = makeSandbox({
    DESKHUB_HOSTNAME: node,
    DBUS_SESSION_BUS_ADDRESS: session.address,
    DBUS_SYSTEM_BUS_ADDRESS: system.address,
    DESKHUB_LOG_LEVEL: "warn",
  });
  sandboxes.push(sandbox);
  mkdirSync(sandbox.configDir, { recursive: true });
  const off = modules.filter((m) => !enabled.includes(m.name)).map((m) => `${m.name}:\n  enabled: false\n`);
  const presence = enabled.includes("presence")
    ? `presence:\n  webcam:\n    devices: ["${dir}/video*"]\n  microphone:\n    enabled: false\n`
    : "";
  writeFileSync(
    join(sandbox.configDir, "config.yaml"),
    `dashboard:\n  port: ${await freePort()}\n${presence}${off.join("")}`,
  );
  const daemon = spawnCli(["up"], sandbox.env, DAEMON_NODE_FLAGS);
  processes.push(daemon);
  const paths = resolvePaths(sandbox.env);
  await waitFor(
    async () => {
      const client = await DaemonClient.connect(paths);
      try {
        const entities = await client.call<Array<{ id: string; value: unknown }>>("entities");
        if (!enabled.includes("presence")) return true;
        return entities.find((e) => e.id === "presence.idle_backend")?.value === "screensaver";
      } finally {
        client.close();
      }
    },
    { timeout: 30_000, interval: 200, what: `${node} daemon up` },
  );
  return daemon;
}

try {
  const services = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const f = await import(${JSON.stringify(new URL("../test/fixtures/presence/dbus-services.ts", import.meta.url).href)});
       const s = await f.startScreenSaver(process.env.SESSION); s.setIdleMs(1000);
       await f.startLogind(process.env.SYSTEM); console.log("ready"); setInterval(() => {}, 1000);`,
    ],
    {
      env: { ...process.env, SESSION: session.address, SYSTEM: system.address },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  processes.push(services);
  await new Promise<void>((resolve) => services.stdout!.once("data", () => resolve()));
  writeFileSync(join(dir, "video0"), "");

  const baseline = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  processes.push(baseline);
  const rows: Array<{ name: string; pid: number }> = [
    { name: "baseline: node -e setInterval", pid: baseline.pid! },
    { name: "deskhub up, every module disabled", pid: (await up("benchbare", [])).pid! },
    { name: "deskhub up, presence only", pid: (await up("benchpresence", ["presence"])).pid! },
  ];
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const before = rows.map((r) => treeCpuSeconds(r.pid));
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const results = rows.map((r, i) => ({
    ...r,
    cpu: ((treeCpuSeconds(r.pid) - before[i]!) / SECONDS) * 100,
    rss: rssMb(r.pid),
  }));
  const bare = results[1]!;
  table(
    `Idle daemons side by side, ${SECONDS} s (CPU includes child processes)`,
    ["process", "CPU % of a core", "RSS MB", "CPU minus bare daemon", "RSS ratio to bare daemon"],
    // lib.ts declares rows as one flat row; its runtime takes a list of rows.
    results.map((r) => [r.name, r.cpu, r.rss, r.cpu - bare.cpu, r.rss / bare.rss]),
  );
  console.log(
    `\nCPU is counted in 10 ms ticks: ${(1 / SECONDS).toFixed(3)}% resolution over ${SECONDS} s. Goal for presence + bridge: < 0.5% of a core.`,
  );
} finally {
  for (const child of processes.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  await Promise.all([session.stop(), system.stop()]);
  rmSync(dir, { recursive: true, force: true });
  for (const sandbox of sandboxes) sandbox.cleanup();
}
