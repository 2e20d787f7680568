import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectedMonitors,
  matchMonitor,
  parseEdid,
} from "../../../src/modules/presence/signals/monitors.ts";
import {
  defaultGateway,
  matchNetwork,
  parseArp,
  parseIwDev,
  parseNmcliWifi,
} from "../../../src/modules/presence/signals/network.ts";
import { parseRoutes, readOnline } from "../../../src/modules/presence/system/online.ts";
import { repoRoot } from "../../helpers/sandbox.ts";

const run = promisify(execFile);
const edid = (name: string) =>
  Buffer.from(
    readFileSync(join(repoRoot, "test/fixtures/presence/edid", name), "utf8").replace(/\s+/g, ""),
    "hex",
  );

describe("monitors", () => {
  let sys: string;
  beforeAll(() => {
    sys = mkdtempSync(join(tmpdir(), "deskhub-sys-"));
    const connector = (name: string, status: string, blob?: Buffer) => {
      const dir = join(sys, "class/drm", name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "status"), `${status}\n`);
      writeFileSync(join(dir, "edid"), blob ?? Buffer.alloc(0));
    };
    // The layout of /sys/class/drm: card nodes, then one directory per connector.
    mkdirSync(join(sys, "class/drm/card1"), { recursive: true });
    mkdirSync(join(sys, "class/drm/renderD128"), { recursive: true });
    connector("card1-eDP-1", "connected", edid("dell-e193fp.hex"));
    connector("card1-DP-1", "connected", edid("dell-p2414h.hex"));
    connector("card1-HDMI-A-1", "disconnected");
  });
  afterAll(() => rmSync(sys, { recursive: true, force: true }));

  it("reads the monitor's name, serial and vendor from its EDID", () => {
    expect(parseEdid(edid("dell-p2414h.hex"))).toEqual({
      vendor: "DEL",
      product: "a09b",
      name: "DELL P2414H",
      serial: "36WJX39H1UEL",
    });
    expect(parseEdid(edid("dell-e193fp.hex"))).toMatchObject({ name: "Dell E193FP", serial: "G656656FLESA" });
    expect(parseEdid(Buffer.alloc(128))).toBeUndefined();
  });

  it("lists connected connectors only, and matches by connector, name or serial", async () => {
    const monitors = await connectedMonitors(sys);
    expect(monitors.map((m) => [m.connector, m.name])).toEqual([
      ["DP-1", "DELL P2414H"],
      ["eDP-1", "Dell E193FP"],
    ]);
    expect(matchMonitor(monitors, ["dell p2414h"])?.connector).toBe("DP-1");
    expect(matchMonitor(monitors, ["36WJX39H1UEL"])?.connector).toBe("DP-1");
    expect(matchMonitor(monitors, ["eDP-1"])?.name).toBe("Dell E193FP");
    expect(matchMonitor(monitors, ["HDMI-A-1"])).toBeUndefined();
  });

  it("finds no monitors on a machine without DRM (this container), rather than failing", async () => {
    expect(await connectedMonitors(join(sys, "missing"))).toEqual([]);
  });
});

describe("network", () => {
  it("reads the default route and gateway from the real routing table, as `ip route` does", async () => {
    const { stdout } = await run("ip", ["-4", "route", "show", "default"]).catch(() => ({ stdout: "" }));
    const expected = /default via (\S+) dev (\S+)/.exec(stdout);
    const routes = parseRoutes(await readFile("/proc/net/route", "utf8"));
    if (expected) {
      expect(routes[0]).toEqual({ gateway: expected[1], iface: expected[2] });
      expect((await readOnline()).online).toBe(true);
    } else {
      expect(routes.filter((r) => r.gateway)).toEqual([]);
    }
  });

  it("decodes /proc/net/route's little-endian hex and ignores routes that are down", () => {
    const table = [
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
      "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0",
      "eth0\t00000000\t FE01A8C0\t0002\t0\t0\t100\t00000000\t0\t0\t0",
      "wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0",
    ].join("\n");
    expect(parseRoutes(table)).toEqual([{ iface: "wlan0", gateway: "192.168.1.1" }]);
  });

  it("matches the office network by the gateway's IP or MAC from the ARP table", async () => {
    const proc = mkdtempSync(join(tmpdir(), "deskhub-proc-"));
    try {
      mkdirSync(join(proc, "net"));
      writeFileSync(
        join(proc, "net/route"),
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\nwlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n",
      );
      writeFileSync(
        join(proc, "net/arp"),
        "IP address       HW type     Flags       HW address            Mask     Device\n192.168.1.1      0x1         0x2         a4:2b:b0:c1:d2:e3     *        wlan0\n192.168.1.77     0x1         0x0         00:00:00:00:00:00     *        wlan0\n",
      );
      expect(parseArp(readFileSync(join(proc, "net/arp"), "utf8"))).toEqual(
        new Map([["192.168.1.1", "a4:2b:b0:c1:d2:e3"]]),
      );
      expect(await defaultGateway(proc)).toEqual({
        ip: "192.168.1.1",
        iface: "wlan0",
        mac: "a4:2b:b0:c1:d2:e3",
      });
      const env = { PATH: "/nonexistent" };
      expect(await matchNetwork({ gateways: ["A4:2B:B0:C1:D2:E3"], ssids: [], env, proc })).toMatchObject({
        matched: true,
        by: "gateway a4:2b:b0:c1:d2:e3",
      });
      expect(await matchNetwork({ gateways: ["192.168.1.1"], ssids: [], env, proc })).toMatchObject({
        matched: true,
      });
      expect(await matchNetwork({ gateways: ["10.0.0.1"], ssids: [], env, proc })).toMatchObject({
        matched: false,
      });
    } finally {
      rmSync(proc, { recursive: true, force: true });
    }
  });

  it("reads the Wi-Fi name from iw and nmcli output", () => {
    const iw =
      "phy#0\n\tInterface wlp2s0\n\t\tifindex 3\n\t\twdev 0x1\n\t\taddr 3c:a9:f4:12:34:56\n\t\tssid Office 5G\n\t\ttype managed\n\t\tchannel 36 (5180 MHz), width: 80 MHz, center1: 5210 MHz\n\t\ttxpower 22.00 dBm\n";
    expect(parseIwDev(iw)).toBe("Office 5G");
    expect(parseIwDev("phy#0\n\tInterface wlp2s0\n\t\ttype managed\n")).toBeUndefined();
    expect(parseNmcliWifi("no:Neighbours\nyes:Office\\:Guest\nno:\n")).toBe("Office:Guest");
  });
});
