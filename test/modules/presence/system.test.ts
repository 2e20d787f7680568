import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { readBatteries } from "../../../src/modules/presence/system/battery.ts";
import { cpuPercent, parseCpuTimes, readCpuTimes } from "../../../src/modules/presence/system/cpu.ts";
import { diskEntityId, readDisk } from "../../../src/modules/presence/system/disk.ts";
import { parseLoadavg } from "../../../src/modules/presence/system/load.ts";
import { parseMeminfo } from "../../../src/modules/presence/system/memory.ts";
import { readSystem } from "../../../src/modules/presence/system/snapshot.ts";

const run = promisify(execFile);

describe("system sensors from the real /proc", () => {
  it("sees a busy core as CPU use", async () => {
    const before = await readCpuTimes();
    // One core spinning for 600 ms on a machine with N cores is about 100/N % at least.
    const spinner = spawn(process.execPath, [
      "-e",
      "const end = Date.now() + 600; while (Date.now() < end);",
    ]);
    await new Promise((resolve) => spinner.once("exit", resolve));
    const after = await readCpuTimes();
    const percent = cpuPercent(before, after);
    const cores = (await readFile("/proc/cpuinfo", "utf8")).match(/^processor\s*:/gm)!.length;
    expect(percent).toBeGreaterThan(50 / cores);
    expect(percent).toBeLessThanOrEqual(100);
  });

  it("counts memory as `free` does: total minus available", async () => {
    const { stdout } = await run("free", ["-k"]);
    const [, total, , , , , available] = stdout.split("\n")[1]!.trim().split(/\s+/).map(Number);
    const snapshot = await readSystem({ disks: [] });
    const expected = ((total! - available!) / total!) * 100;
    // Memory moves between the two reads; a point either way is the same reading.
    expect(Math.abs(snapshot.memory.percent - expected)).toBeLessThan(1);
    expect(snapshot.memory.totalMiB).toBe(Math.round(total! / 1024));
  });

  it("counts disk use as `df` does for /", async () => {
    const { stdout } = await run("df", ["-P", "/"]);
    const dfPercent = Number(/(\d+)%/.exec(stdout.split("\n")[1]!)![1]);
    const disk = await readDisk("/");
    // df rounds up to a whole percent.
    expect(Math.ceil(disk.percent)).toBeGreaterThanOrEqual(dfPercent - 1);
    expect(Math.ceil(disk.percent)).toBeLessThanOrEqual(dfPercent + 1);
    expect(disk.totalGiB).toBeGreaterThan(0);
  });

  it("reads load and uptime, and uptime only grows", async () => {
    const first = await readSystem({ disks: ["/"] });
    const loadavg = await readFile("/proc/loadavg", "utf8");
    expect(first.load.load15).toBe(Number(loadavg.split(" ")[2]));
    expect(first.uptime).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 50));
    const second = await readSystem({ disks: ["/"], previousCpu: first.cpuTimes });
    expect(second.uptime).toBeGreaterThan(first.uptime);
    expect(second.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(first.cpuPercent).toBeUndefined();
  });

  it("reports a disk it cannot read instead of failing the whole reading", async () => {
    const snapshot = await readSystem({ disks: ["/", "/no/such/mount"] });
    expect(snapshot.disks[1]).toMatchObject({
      path: "/no/such/mount",
      error: expect.stringContaining("ENOENT"),
    });
  });

  it("finds no battery in a machine without one, and names disk entities by mount point", async () => {
    expect(await readBatteries("/nonexistent")).toEqual([]);
    expect(diskEntityId("/")).toBe("presence.disk");
    expect(diskEntityId("/home")).toBe("presence.disk_home");
    expect(diskEntityId("/mnt/Data Disk/")).toBe("presence.disk_mnt_data_disk");
  });

  it("reads the machine's battery from power_supply and leaves a mouse's battery out", async () => {
    const sys = mkdtempSync(join(tmpdir(), "deskhub-psu-"));
    try {
      const supply = (name: string, files: Record<string, string>) => {
        const dir = join(sys, "class/power_supply", name);
        mkdirSync(dir, { recursive: true });
        for (const [file, value] of Object.entries(files)) writeFileSync(join(dir, file), `${value}\n`);
      };
      supply("AC", { type: "Mains", online: "1" });
      supply("BAT0", {
        type: "Battery",
        status: "Charging",
        capacity: "81",
        energy_now: "40500000",
        energy_full: "50000000",
      });
      supply("hidpp_battery_0", { type: "Battery", scope: "Device", status: "Discharging", capacity: "40" });
      supply("BAT1", {
        type: "Battery",
        status: "Discharging",
        charge_now: "1500000",
        charge_full: "3000000",
      });
      expect(await readBatteries(sys)).toEqual([
        { name: "BAT0", percent: 81, status: "Charging" },
        { name: "BAT1", percent: 50, status: "Discharging" },
      ]);
    } finally {
      rmSync(sys, { recursive: true, force: true });
    }
  });

  it("parses the kernel's formats", () => {
    expect(parseCpuTimes("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n")).toEqual({
      busy: 150,
      total: 1000,
    });
    expect(parseLoadavg("0.52 0.58 0.59 2/1190 12345\n")).toEqual({
      load1: 0.52,
      load5: 0.58,
      load15: 0.59,
      running: 2,
      processes: 1190,
    });
    const memory = parseMeminfo(
      "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    4000000 kB\nSwapTotal:       2000000 kB\nSwapFree:        1500000 kB\n",
    );
    expect(memory).toEqual({ percent: 75, totalMiB: 15625, availableMiB: 3906, swapPercent: 25 });
  });
});
