/**
 * CLI cold start of the packaged deskhub (the JavaScript `npm pack` ships), against
 * `node -e 0` measured in the same run. Goal: --version at most 2x, status --json
 * (no daemon running) at most 3x.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, percentile, table, timeCommand } from "./lib.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 30);
execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });

const home = mkdtempSync(join(tmpdir(), "deskhub-bench-"));
const env = { PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: join(home, "run") };
const node = process.execPath;
const bin = join(root, "bin/deskhub.js");
const cases = {
  "node -e 0": [node, ["-e", "0"]],
  "deskhub --version": [node, [bin, "--version"]],
  "deskhub status --json (no daemon)": [node, [bin, "status", "--json"]],
} as const;

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let i = 0; i < runs; i++) {
  // Interleaved, so a noisy moment hurts every case alike.
  for (const [name, [cmd, args]] of Object.entries(cases)) samples[name]!.push(timeCommand(cmd, args, env));
}
rmSync(home, { recursive: true, force: true });
const base = median(samples["node -e 0"]!);
table(
  `CLI cold start, packaged (${runs} runs each, Node ${process.version})`,
  ["command", "p50 ms", "p90 ms", "ratio to node -e 0 (p50)", "goal"],
  Object.entries(samples).map(([name, values]) => [
    name,
    median(values),
    percentile(values, 90),
    median(values) / base,
    name.includes("version") ? "<= 2x" : name.includes("status") ? "<= 3x" : "baseline",
  ]),
);
