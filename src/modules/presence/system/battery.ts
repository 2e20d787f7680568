import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export interface Battery {
  name: string;
  percent: number;
  /** Charging, Discharging, Full, Not charging, Unknown (the kernel's words). */
  status: string;
}

async function read(dir: string, file: string): Promise<string | undefined> {
  return readFile(join(dir, file), "utf8").then(
    (text) => text.trim(),
    () => undefined,
  );
}

/**
 * The system batteries under /sys/class/power_supply; a wireless mouse's battery
 * (scope Device) is not the machine's.
 */
export async function readBatteries(sys = "/sys"): Promise<Battery[]> {
  const base = join(sys, "class/power_supply");
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return [];
  }
  const batteries: Battery[] = [];
  for (const name of names.sort()) {
    const dir = join(base, name);
    if ((await read(dir, "type")) !== "Battery" || (await read(dir, "scope")) === "Device") continue;
    let percent = Number(await read(dir, "capacity"));
    if (!Number.isFinite(percent)) {
      const now = Number((await read(dir, "energy_now")) ?? (await read(dir, "charge_now")));
      const full = Number((await read(dir, "energy_full")) ?? (await read(dir, "charge_full")));
      if (!(full > 0) || !Number.isFinite(now)) continue;
      percent = (now / full) * 100;
    }
    batteries.push({ name, percent, status: (await read(dir, "status")) ?? "Unknown" });
  }
  return batteries;
}
