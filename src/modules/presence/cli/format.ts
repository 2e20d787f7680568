import type { PresenceReport } from "../probe.ts";

const yesNo = (value: boolean | null | undefined, yes = "yes", no = "no") =>
  value === true ? yes : value === false ? no : "unknown";

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min ${seconds % 60} s`;
  return `${seconds} s`;
}

function table(rows: [string, string, string][]): string[] {
  const widths = [0, 0];
  for (const row of rows) for (const i of [0, 1] as const) widths[i] = Math.max(widths[i]!, row[i].length);
  return rows.map(([a, b, c]) => `${a.padEnd(widths[0]!)}  ${b.padEnd(widths[1]!)}  ${c}`.trimEnd());
}

/** `deskhub presence status` for people: value, then where it came from. */
export function formatReport(r: PresenceReport): string[] {
  const skipped = Object.entries(r.idle.skipped).map(([name, why]) => `${name}: ${why}`);
  const rows: [string, string, string][] = [
    [
      "in office",
      yesNo(r.in_office.value),
      r.in_office.override === "auto" ? r.in_office.reason : `override ${r.in_office.override}`,
    ],
    [
      "idle",
      r.idle.value === null ? "unknown" : `${yesNo(r.idle.value)} (${duration(r.idle.idle_seconds ?? 0)})`,
      r.idle.backend === "none" ? "no source works" : `via ${r.idle.backend}`,
    ],
    [
      "webcam",
      yesNo(r.webcam.value, "in use", "off"),
      "processes" in r.webcam && r.webcam.processes?.length
        ? r.webcam.processes.map((p) => `${p.name} (${p.pid})`).join(", ")
        : r.webcam.backend,
    ],
    [
      "microphone",
      r.microphone.value === null ? "unavailable" : yesNo(r.microphone.value, "in use", "off"),
      "reason" in r.microphone && r.microphone.reason
        ? r.microphone.reason
        : "applications" in r.microphone && r.microphone.applications.length
          ? r.microphone.applications.map((a) => a.application).join(", ")
          : `via ${r.microphone.backend}`,
    ],
    ["locked", yesNo(r.locked.value), r.locked.reason ?? `via ${r.locked.backend}`],
    [
      "network",
      r.network.online ? "online" : "offline",
      [
        r.network.gateway
          ? `gateway ${r.network.gateway.ip}${r.network.gateway.mac ? ` (${r.network.gateway.mac})` : ""}`
          : "",
        r.network.ssid ? `ssid ${r.network.ssid}` : "",
        r.network.office === null ? "" : `office network: ${yesNo(r.network.office)}`,
      ]
        .filter(Boolean)
        .join(", "),
    ],
    [
      "monitors",
      String(r.monitors.length),
      r.monitors.map((m) => (m.name ? `${m.connector} (${m.name})` : m.connector)).join(", "),
    ],
    [
      "cpu",
      r.system.cpu_percent === null ? "unknown" : `${r.system.cpu_percent} %`,
      `load ${r.system.load.load1}`,
    ],
    ["memory", `${r.system.memory_percent} %`, ""],
    ...r.system.disks.map((d): [string, string, string] =>
      "error" in d
        ? [`disk ${d.path}`, "unknown", d.error]
        : [`disk ${d.path}`, `${Math.round(d.percent)} %`, `${d.freeGiB} GiB free`],
    ),
    ...r.system.batteries.map((b): [string, string, string] => [
      `battery ${b.name}`,
      `${Math.round(b.percent)} %`,
      b.status,
    ]),
    ["uptime", duration(r.system.uptime_seconds), ""],
    [
      "active window",
      r.active_window.value === null ? "none" : JSON.stringify(r.active_window.value),
      `via ${r.active_window.backend}`,
    ],
  ];
  const lines = table(rows);
  if (r.idle.backend === "none" || skipped.length)
    lines.push("", "idle sources passed over:", ...skipped.map((s) => `  ${s}`));
  return lines;
}
