import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { which } from "../../../core/proc.ts";
import { readOnline } from "../system/online.ts";

const run = promisify(execFile);

export interface Gateway {
  ip: string;
  iface: string;
  /** From the ARP table; absent until the machine has talked to the router. */
  mac?: string;
}

/** `/proc/net/arp`: IP, HW type, flags, HW address, mask, device. */
export function parseArp(text: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of text.split("\n").slice(1)) {
    const [ip, , flags, mac] = line.trim().split(/\s+/);
    // Flag 0x2 (ATF_COM) marks a completed entry; 00:00:... is an unresolved one.
    if (ip && mac && (Number.parseInt(flags ?? "0", 16) & 2) !== 0 && mac !== "00:00:00:00:00:00") {
      table.set(ip, mac.toLowerCase());
    }
  }
  return table;
}

export async function defaultGateway(proc = "/proc"): Promise<Gateway | undefined> {
  const { routes } = await readOnline(proc);
  const route = routes.find((r) => r.gateway);
  if (!route?.gateway) return undefined;
  const arp = parseArp(await readFile(`${proc}/net/arp`, "utf8").catch(() => ""));
  const mac = arp.get(route.gateway);
  return { ip: route.gateway, iface: route.iface, ...(mac ? { mac } : {}) };
}

/** `iw dev`: each connected interface has an `ssid NAME` line. */
export function parseIwDev(text: string): string | undefined {
  const match = /^\s+ssid (.+)$/m.exec(text);
  return match?.[1]?.trim() || undefined;
}

/** `nmcli -t -f active,ssid dev wifi`: `yes:Name` for the connected network (colons escaped). */
export function parseNmcliWifi(text: string): string | undefined {
  const line = text.split("\n").find((l) => l.startsWith("yes:"));
  return line ? line.slice(4).replace(/\\:/g, ":") || undefined : undefined;
}

/**
 * The Wi-Fi network name, from whichever tool is installed: iw, iwgetid, then
 * nmcli (the slowest: it talks to NetworkManager).
 */
export async function currentSsid(env: NodeJS.ProcessEnv): Promise<{ ssid?: string; tool?: string }> {
  const tools: [string, string[], (out: string) => string | undefined][] = [
    ["iw", ["dev"], parseIwDev],
    ["iwgetid", ["-r"], (out) => out.trim() || undefined],
    ["nmcli", ["-t", "-f", "active,ssid", "dev", "wifi", "list", "--rescan", "no"], parseNmcliWifi],
  ];
  for (const [tool, args, parse] of tools) {
    const path = await which(tool, env);
    if (!path) continue;
    try {
      const { stdout } = await run(path, args, { env, timeout: 3000 });
      return { ssid: parse(stdout), tool };
    } catch (error) {
      // iwgetid exits 255 when not associated: that is an answer, not a failure.
      if (tool === "iwgetid" && (error as { code?: unknown }).code === 255) return { tool };
    }
  }
  return {};
}

export interface NetworkMatch {
  matched: boolean;
  gateway?: Gateway;
  ssid?: string;
  /** Which configured value matched, for the attribute. */
  by?: string;
}

/** Whether this is the office network: the router's IP or MAC, or the Wi-Fi name. */
export async function matchNetwork(options: {
  gateways: readonly string[];
  ssids: readonly string[];
  env: NodeJS.ProcessEnv;
  proc?: string;
}): Promise<NetworkMatch> {
  const gateway = await defaultGateway(options.proc);
  const wanted = new Set(options.gateways.map((g) => g.toLowerCase()));
  if (gateway) {
    for (const value of [gateway.ip, gateway.mac]) {
      if (value && wanted.has(value.toLowerCase())) return { matched: true, gateway, by: `gateway ${value}` };
    }
  }
  if (options.ssids.length === 0) return { matched: false, ...(gateway ? { gateway } : {}) };
  const { ssid } = await currentSsid(options.env);
  const matched = ssid !== undefined && options.ssids.includes(ssid);
  return {
    matched,
    ...(gateway ? { gateway } : {}),
    ...(ssid ? { ssid } : {}),
    ...(matched ? { by: `ssid ${ssid}` } : {}),
  };
}
