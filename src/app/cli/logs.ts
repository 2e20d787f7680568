import { createReadStream, existsSync, statSync, watch } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { ExitCode, UserError } from "../../core/errors.ts";
import { resolvePaths } from "../../core/paths.ts";
import { output } from "./output.ts";
import type { CliSession } from "./session.ts";

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

function format(line: string): string {
  try {
    const entry = JSON.parse(line) as {
      time?: number;
      level?: number;
      module?: string;
      msg?: string;
      err?: { message?: string };
    };
    const time = entry.time ? new Date(entry.time).toISOString().replace("T", " ").slice(0, 19) : "";
    const level = (LEVELS[entry.level ?? 30] ?? String(entry.level)).padEnd(5);
    const module = entry.module ? `[${entry.module}] ` : "";
    return `${time} ${level} ${module}${entry.msg ?? ""}${entry.err?.message ? `: ${entry.err.message}` : ""}`;
  } catch {
    return line;
  }
}

export function registerLogs(program: Command, _session: CliSession): void {
  program
    .command("logs")
    .description("show the daemon's log from $XDG_STATE_HOME/deskhub/logs")
    .option("-f, --follow", "keep printing new lines")
    .option("-n, --lines <n>", "how many lines from the end", "50")
    .option("--json", "print the raw JSON lines")
    .addHelpText(
      "after",
      "\nExample:\n  deskhub logs -f\n  journalctl --user -u deskhub   # when run by systemd",
    )
    .action(async (options: { follow?: boolean; lines: string; json?: boolean }) => {
      const count = Number.parseInt(options.lines, 10);
      if (!Number.isInteger(count) || count < 0)
        throw new UserError("--lines takes a whole number", { code: ExitCode.usage });
      const dir = resolvePaths(process.env).logDir;
      const file = join(dir, "deskhub.log");
      if (!existsSync(file)) {
        throw new UserError(`no log files in ${dir}`, {
          code: ExitCode.unavailable,
          hint: "the daemon writes them once `deskhub up` runs",
        });
      }
      const show = (line: string) => line && output.line(options.json ? line : format(line));
      const { readFile } = await import("node:fs/promises");
      const text = await readFile(file, "utf8");
      for (const line of text.split("\n").filter(Boolean).slice(-count)) show(line);
      if (!options.follow) return;
      let offset = Buffer.byteLength(text);
      let pending = "";
      await new Promise<void>(() => {
        const read = () => {
          const size = statSync(file).size;
          if (size < offset) offset = 0;
          if (size === offset) return;
          createReadStream(file, { start: offset, end: size - 1, encoding: "utf8" }).on("data", (chunk) => {
            pending += chunk;
            const lines = pending.split("\n");
            pending = lines.pop() ?? "";
            for (const line of lines) show(line);
          });
          offset = size;
        };
        watch(file, read);
      });
    });
}
