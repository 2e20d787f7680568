import { readFile } from "node:fs/promises";

export interface Load {
  load1: number;
  load5: number;
  load15: number;
  /** Runnable / total scheduling entities. */
  running: number;
  processes: number;
}

export function parseLoadavg(text: string): Load {
  const [l1, l5, l15, tasks] = text.trim().split(/\s+/);
  const [running, processes] = (tasks ?? "0/0").split("/").map(Number);
  const load = {
    load1: Number(l1),
    load5: Number(l5),
    load15: Number(l15),
    running: running ?? 0,
    processes: processes ?? 0,
  };
  if (![load.load1, load.load5, load.load15].every(Number.isFinite))
    throw new Error(`/proc/loadavg: ${text.trim()}`);
  return load;
}

export async function readLoad(proc = "/proc"): Promise<Load> {
  return parseLoadavg(await readFile(`${proc}/loadavg`, "utf8"));
}

/** Seconds since boot, from /proc/uptime. */
export async function readUptime(proc = "/proc"): Promise<number> {
  const seconds = Number((await readFile(`${proc}/uptime`, "utf8")).split(/\s+/)[0]);
  if (!Number.isFinite(seconds)) throw new Error("/proc/uptime is unreadable");
  return seconds;
}
