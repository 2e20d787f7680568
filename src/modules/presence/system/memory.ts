import { readFile } from "node:fs/promises";

export interface Memory {
  percent: number;
  totalMiB: number;
  availableMiB: number;
  swapPercent: number | undefined;
}

/** Used memory as `free` counts it: total minus MemAvailable (cache that can be dropped is free). */
export function parseMeminfo(text: string): Memory {
  const kib = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^(\w+):\s+(\d+)/.exec(line);
    if (match) kib.set(match[1]!, Number(match[2]));
  }
  const total = kib.get("MemTotal");
  if (!total) throw new Error("/proc/meminfo has no MemTotal");
  const available = kib.get("MemAvailable") ?? (kib.get("MemFree") ?? 0) + (kib.get("Cached") ?? 0);
  const swapTotal = kib.get("SwapTotal") ?? 0;
  const swapFree = kib.get("SwapFree") ?? 0;
  return {
    percent: ((total - available) / total) * 100,
    totalMiB: Math.round(total / 1024),
    availableMiB: Math.round(available / 1024),
    swapPercent: swapTotal > 0 ? ((swapTotal - swapFree) / swapTotal) * 100 : undefined,
  };
}

export async function readMemory(proc = "/proc"): Promise<Memory> {
  return parseMeminfo(await readFile(`${proc}/meminfo`, "utf8"));
}
