import { readFile } from "node:fs/promises";

export interface Route {
  iface: string;
  /** Dotted IPv4 gateway, or undefined for a direct (point-to-point) default route. */
  gateway: string | undefined;
}

function hexToIpv4(hex: string): string {
  // /proc/net/route prints addresses in host byte order: little-endian on x86 and ARM.
  const n = Number.parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join(".");
}

/** The default IPv4 routes, lowest metric first. */
export function parseRoutes(text: string): Route[] {
  const routes: { iface: string; gateway: string | undefined; metric: number }[] = [];
  for (const line of text.split("\n").slice(1)) {
    const [iface, destination, gateway, flags, , , metric, mask] = line.trim().split(/\s+/);
    if (!iface || destination !== "00000000" || mask !== "00000000") continue;
    // RTF_UP (1) must be set.
    if (!(Number.parseInt(flags ?? "0", 16) & 1)) continue;
    routes.push({
      iface,
      gateway: gateway && gateway !== "00000000" ? hexToIpv4(gateway) : undefined,
      metric: Number(metric ?? 0),
    });
  }
  return routes.sort((a, b) => a.metric - b.metric).map(({ iface, gateway }) => ({ iface, gateway }));
}

/** Whether an IPv6 default route exists (`::/0` via some interface other than lo). */
export function hasIpv6Default(text: string): boolean {
  return text.split("\n").some((line) => {
    const f = line.trim().split(/\s+/);
    const flags = Number.parseInt(f[8] ?? "0", 16);
    // RTF_UP set, RTF_REJECT (0x200, the kernel's "unreachable" placeholder) not.
    return (
      f[0] === "0".repeat(32) && f[1] === "00" && (flags & 1) === 1 && (flags & 0x200) === 0 && f[9] !== "lo"
    );
  });
}

export interface Online {
  online: boolean;
  routes: Route[];
  ipv6: boolean;
}

/**
 * Online means the machine has somewhere to send traffic: a default route, as
 * NetworkManager's "connected (site)" check begins. Nothing is sent, so this costs
 * two file reads and never wakes a radio or a captive portal.
 */
export async function readOnline(proc = "/proc"): Promise<Online> {
  const routes = parseRoutes(await readFile(`${proc}/net/route`, "utf8").catch(() => ""));
  const ipv6 = hasIpv6Default(await readFile(`${proc}/net/ipv6_route`, "utf8").catch(() => ""));
  return { online: routes.length > 0 || ipv6, routes, ipv6 };
}
