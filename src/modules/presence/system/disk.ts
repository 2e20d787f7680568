import { statfs } from "node:fs/promises";

export interface DiskUsage {
  path: string;
  percent: number;
  freeGiB: number;
  totalGiB: number;
}

/** Used space as df reports it: blocks reserved for root count as neither used nor available. */
export async function readDisk(path: string): Promise<DiskUsage> {
  const s = await statfs(path);
  const used = s.blocks - s.bfree;
  const usable = used + s.bavail;
  const gib = (blocks: number) => Math.round(((blocks * s.bsize) / 1024 ** 3) * 10) / 10;
  return {
    path,
    percent: usable > 0 ? (used / usable) * 100 : 0,
    freeGiB: gib(s.bavail),
    totalGiB: gib(s.blocks),
  };
}

/** `/` → `presence.disk`, `/home` → `presence.disk_home`. */
export function diskEntityId(path: string): string {
  const slug = path
    .replace(/^\/+|\/+$/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_");
  return slug ? `presence.disk_${slug}` : "presence.disk";
}
