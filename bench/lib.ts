import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DAEMON_NODE_FLAGS } from "../src/app/daemon/node-flags.ts";

/** Percentile of a sample (nearest rank); p in 0..100. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** Wall time of one run of a command, in milliseconds. */
export function timeCommand(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): number {
  const start = process.hrtime.bigint();
  spawnSync(command, args, { env, stdio: "ignore" });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Resident set size of a process, from /proc, in MB. */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

export function table(
  title: string,
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
): void {
  const fmt = (v: string | number) =>
    typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v;
  console.log(`\n### ${title}\n`);
  console.log(`| ${header.join(" | ")} |`);
  console.log(`| ${header.map(() => "---").join(" | ")} |`);
  for (const row of rows) console.log(`| ${row.map(fmt).join(" | ")} |`);
}

/**
 * The libraries an idle daemon with every module has loaded (the issues chose them), each
 * doing the least it can: an HTTP server listening, an SQLite database open, the rest
 * imported. Nothing of deskhub's own. A baseline for the daemon's memory: what the stack
 * costs before deskhub does anything. Runs with the daemon's V8 flags.
 */
export function spawnLibraryFloor(): ChildProcess {
  const code = `
    for (const name of ["zod", "yaml", "pino", "commander", "mqtt", "aedes", "dbus-next"]) await import(name);
    const { DatabaseSync } = await import("node:sqlite");
    new DatabaseSync(":memory:").exec("CREATE TABLE t (a)");
    (await import("node:http")).createServer(() => {}).listen(0, "127.0.0.1");
    setInterval(() => {}, 1000);`;
  return spawn(process.execPath, [...DAEMON_NODE_FLAGS, "--input-type=module", "-e", code], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: "ignore",
  });
}
