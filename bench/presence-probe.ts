/**
 * The cost of one presence probe cycle (what the daemon does on each poll: idle time,
 * a /proc scan for webcam holders, the system sensors) against a bare /proc read,
 * measured in the same run. Idle is read from a real D-Bus round trip (a
 * ScreenSaver service in a child process on a private bus) and from a real X server
 * (Xvfb) through the native MIT-SCREEN-SAVER query.
 *
 *   node bench/presence-probe.ts [iterations]     (default 300)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DesktopBuses } from "../src/desktop/dbus.ts";
import type { FdCountCache } from "../src/desktop/devices/holders.ts";
import { probeWebcam } from "../src/desktop/devices/webcam.ts";
import { ScreenSaverIdle } from "../src/desktop/idle/screensaver.ts";
import { X11Idle } from "../src/desktop/idle/x11.ts";
import { readSystem } from "../src/modules/presence/system/snapshot.ts";
import { startSessionBus } from "../test/helpers/dbus.ts";
import { percentile, table } from "./lib.ts";

const ITERATIONS = Number(process.argv[2] ?? 300);
const WARMUP = 20;

interface Result {
  name: string;
  p50: number;
  p99: number;
  cpuMs: number;
}

async function measure(name: string, op: () => Promise<unknown>): Promise<Result> {
  for (let i = 0; i < WARMUP; i++) await op();
  const times: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) {
    const start = process.hrtime.bigint();
    await op();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    name,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    cpuMs: (cpu.user + cpu.system) / 1000 / ITERATIONS,
  };
}

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

const bus = await startSessionBus();
const dir = mkdtempSync(join(tmpdir(), "deskhub-bench-"));
const children: ChildProcess[] = [];
try {
  // The ScreenSaver service lives in its own process, so its work is not counted here.
  const service = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const { startScreenSaver } = await import(${JSON.stringify(new URL("../test/fixtures/presence/dbus-services.ts", import.meta.url).href)});
       const s = await startScreenSaver(process.env.BUS); s.setIdleMs(1234); console.log("ready");
       setInterval(() => {}, 1000);`,
    ],
    { env: { ...process.env, BUS: bus.address }, stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(service);
  await new Promise<void>((resolve) => service.stdout!.once("data", () => resolve()));

  const xvfb = spawn("Xvfb", ["-displayfd", "3", "-nolisten", "tcp"], {
    stdio: ["ignore", "ignore", "ignore", "pipe"],
  });
  children.push(xvfb);
  const display = `:${await new Promise<string>((resolve) => xvfb.stdio[3]!.once("data", (d) => resolve(String(d).trim())))}`;

  const camera = join(dir, "video0");
  writeFileSync(camera, "");
  const holder = spawn("sh", ["-c", 'exec 3<"$1"; exec sleep 600', "sh", camera], { stdio: "ignore" });
  children.push(holder);

  const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: bus.address };
  const buses = new DesktopBuses(env);
  const screensaver = new ScreenSaverIdle(buses);
  await screensaver.open();
  const x11 = new X11Idle({ DISPLAY: display });
  await x11.open();
  const webcam = { devices: [join(dir, "video*")], ignore: ["pipewire", "wireplumber"] };
  const devices = [camera];
  const fdCounts: FdCountCache = new Map();
  let previousCpu = (await readSystem({ disks: ["/"] })).cpuTimes;
  const system = async () => {
    const snapshot = await readSystem({ disks: ["/"], previousCpu });
    previousCpu = snapshot.cpuTimes;
    return snapshot;
  };

  const results = [
    await measure("baseline: read /proc/loadavg", () => readFile("/proc/loadavg", "utf8")),
    await measure("idle: ScreenSaver over D-Bus", () => screensaver.read()),
    await measure("idle: X11 MIT-SCREEN-SAVER (native)", () => x11.read()),
    await measure("webcam: full /proc/*/fd scan", () => probeWebcam(webcam)),
    await measure("webcam: scan with fd-count cache (watcher's steady state)", () =>
      probeWebcam(webcam, devices, fdCounts),
    ),
    await measure("system: /proc + statfs snapshot", system),
    await measure("full cycle (D-Bus idle + cached webcam scan + system)", () =>
      Promise.all([screensaver.read(), probeWebcam(webcam, devices, fdCounts), system()]),
    ),
  ];
  await x11.close();
  await buses.close();

  const processes = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  let fds = 0;
  for (const pid of processes) {
    try {
      fds += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // Gone, or another user's.
    }
  }
  const cores = readFileSync("/proc/cpuinfo", "utf8").match(/^processor\s*:/gm)?.length ?? 1;
  const base = results[0]!;
  table(
    `One presence probe, ${ITERATIONS} iterations each (${processes.length} processes, ${fds} open fds, ${cores} cores)`,
    ["operation", "p50 ms", "p99 ms", "CPU ms/op", "p50 ratio", "CPU ratio"],
    // lib.ts declares rows as one flat row; its runtime takes a list of rows.
    results.map((r) => [r.name, r.p50, r.p99, r.cpuMs, r.p50 / base.p50, r.cpuMs / base.cpuMs]),
  );
  const full = results.at(-1)!;
  console.log(
    `\nAt the default intervals (idle every 2 s; webcam every 5 s while a camera exists and is awake, a full scan each minute; system every 30 s) that is about ${(
      ((results[1]!.cpuMs / 2 + results[4]!.cpuMs / 5 + results[3]!.cpuMs / 60 + results[5]!.cpuMs / 30) /
        1000) *
        100
    ).toFixed(3)}% of a core; one full cycle costs ${full.cpuMs.toFixed(2)} ms of CPU.`,
  );
} finally {
  await Promise.all(children.map(waitExit));
  await bus.stop();
  rmSync(dir, { recursive: true, force: true });
}
