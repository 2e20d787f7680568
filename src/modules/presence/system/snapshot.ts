import { type Battery, readBatteries } from "./battery.ts";
import { type CpuTimes, cpuPercent, readCpuTimes } from "./cpu.ts";
import { type DiskUsage, readDisk } from "./disk.ts";
import { type Load, readLoad, readUptime } from "./load.ts";
import { type Memory, readMemory } from "./memory.ts";
import { type Online, readOnline } from "./online.ts";

export interface SystemSnapshot {
  /** Undefined on the first sample: CPU use is a difference between two. */
  cpuPercent: number | undefined;
  cpuTimes: CpuTimes;
  memory: Memory;
  disks: (DiskUsage | { path: string; error: string })[];
  load: Load;
  uptime: number;
  batteries: Battery[];
  online: Online;
}

/** Everything the system sensors show, from /proc, /sys and statfs: no subprocess. */
export async function readSystem(options: {
  disks: readonly string[];
  previousCpu?: CpuTimes;
  proc?: string;
  sys?: string;
}): Promise<SystemSnapshot> {
  const [cpuTimes, memory, load, uptime, batteries, online, disks] = await Promise.all([
    readCpuTimes(options.proc),
    readMemory(options.proc),
    readLoad(options.proc),
    readUptime(options.proc),
    readBatteries(options.sys),
    readOnline(options.proc),
    Promise.all(
      options.disks.map((path) => readDisk(path).catch((error: Error) => ({ path, error: error.message }))),
    ),
  ]);
  return {
    cpuPercent: options.previousCpu ? cpuPercent(options.previousCpu, cpuTimes) : undefined,
    cpuTimes,
    memory,
    disks,
    load,
    uptime,
    batteries,
    online,
  };
}
