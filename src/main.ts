#!/usr/bin/env node
import { readFileSync } from "node:fs";

const argv = process.argv.slice(2);
// `--version` is what scripts and benchmarks call most; it must not pay for the CLI.
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { run } = await import("./app/cli/program.ts");
  process.exitCode = await run(argv);
}
