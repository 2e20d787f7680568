import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { writeFileAtomic } from "../../core/atomic.ts";
import { resolvePaths } from "../../core/paths.ts";
import { which } from "../../core/proc.ts";
import { DAEMON_NODE_FLAGS } from "../daemon/node-flags.ts";
import { output } from "./output.ts";
import type { CliSession } from "./session.ts";

interface Unit {
  name: string;
  text: string;
}

/** How this very installation is started, so the unit runs the same deskhub. */
function execStart(args: string): string {
  const extension = import.meta.url.endsWith(".ts") ? "ts" : "js";
  const main = fileURLToPath(new URL(`../../main.${extension}`, import.meta.url));
  const flags = args === "up" ? `${DAEMON_NODE_FLAGS.join(" ")} ` : "";
  return `${process.execPath} ${flags}${main} ${args}`;
}

export function units(): Unit[] {
  return [
    {
      name: "deskhub.service",
      text: `[Unit]
Description=deskhub: desktop presence, Home Assistant bridge, IPTV proxy, media, calendar, voice
Documentation=https://www.npmjs.com/package/deskhub
After=graphical-session.target network-online.target
PartOf=graphical-session.target

[Service]
Type=simple
ExecStart=${execStart("up")}
Restart=on-failure
RestartSec=5
TimeoutStopSec=10
# The daemon logs JSON lines; journald keeps them next to the files in $XDG_STATE_HOME.
Environment=NODE_ENV=production

[Install]
WantedBy=graphical-session.target
`,
    },
    {
      name: "deskhub-calendar-sync.service",
      text: `[Unit]
Description=deskhub: sync the school calendar into Google Calendar

[Service]
Type=oneshot
ExecStart=${execStart("calendar sync")}
`,
    },
    {
      name: "deskhub-calendar-sync.timer",
      text: `[Unit]
Description=deskhub: daily school calendar sync

[Timer]
OnCalendar=daily
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
`,
    },
  ];
}

async function systemctl(args: string[], env: NodeJS.ProcessEnv): Promise<{ ok: boolean; text: string }> {
  if (!(await which("systemctl", env))) return { ok: false, text: "systemctl is not installed" };
  const { execa } = await import("execa");
  const result = await execa("systemctl", ["--user", ...args], { env, reject: false, timeout: 15_000 });
  return { ok: result.exitCode === 0, text: `${result.stdout}${result.stderr}`.trim() };
}

export function registerSystemd(program: Command, session: CliSession): void {
  const systemd = program
    .command("systemd")
    .description("install the daemon (and the calendar sync timer) as systemd user units")
    .addHelpText("after", "\nExample:\n  deskhub systemd install && systemctl --user enable --now deskhub");
  const dir = () => join(resolvePaths(session.env).xdgConfigHome, "systemd", "user");

  systemd
    .command("install")
    .description("write the user units from their templates and reload systemd")
    .option("--no-reload", "do not run systemctl --user daemon-reload")
    .addHelpText(
      "after",
      "\nExample:\n  deskhub systemd install\n  systemctl --user enable --now deskhub deskhub-calendar-sync.timer",
    )
    .action(async (options: { reload: boolean }) => {
      for (const unit of units()) {
        const path = join(dir(), unit.name);
        await writeFileAtomic(path, unit.text);
        output.line(`wrote ${path}`);
      }
      if (options.reload) {
        const result = await systemctl(["daemon-reload"], session.env);
        output.line(
          result.ok
            ? "reloaded systemd"
            : `could not reload systemd (${result.text}); run: systemctl --user daemon-reload`,
        );
      }
      output.line("start it with: systemctl --user enable --now deskhub");
    });

  systemd
    .command("uninstall")
    .description("stop, disable and remove the user units")
    .option("--no-reload", "do not call systemctl")
    .addHelpText("after", "\nExample:\n  deskhub systemd uninstall")
    .action(async (options: { reload: boolean }) => {
      if (options.reload) await systemctl(["disable", "--now", ...units().map((u) => u.name)], session.env);
      for (const unit of units()) {
        const path = join(dir(), unit.name);
        if (existsSync(path)) {
          await rm(path);
          output.line(`removed ${path}`);
        }
      }
      if (options.reload) await systemctl(["daemon-reload"], session.env);
    });

  systemd
    .command("status")
    .description("whether the units are installed, current and running")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub systemd status")
    .action(async (options: { json?: boolean }) => {
      const rows = [];
      for (const unit of units()) {
        const path = join(dir(), unit.name);
        const installed = existsSync(path);
        const current = installed && (await readFile(path, "utf8")) === unit.text;
        const active = (await systemctl(["is-active", unit.name], session.env)).text || "unknown";
        rows.push({ unit: unit.name, path, installed, current, active });
      }
      if (options.json) return output.json(rows);
      output.table([
        ["UNIT", "INSTALLED", "ACTIVE"],
        ...rows.map((r) => [
          r.unit,
          r.installed ? (r.current ? "yes" : "yes (outdated: run install)") : "no",
          r.active,
        ]),
      ]);
    });
}
