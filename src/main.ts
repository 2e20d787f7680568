#!/usr/bin/env node
import { enableCompileCache } from "node:module";
import { packageInfo } from "./core/package-info.ts";

const argv = process.argv.slice(2);
// `--version` is what scripts and benchmarks call most; it must not pay for the CLI.
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`${packageInfo().version}\n`);
} else {
  // Key binds run `deskhub voice start` on every press: compiled code cached on disk
  // halves the start-up of every later run.
  enableCompileCache?.();
  // `deskhub recent list | head -1` closes the pipe early; that is the reader's choice, not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(0);
  });
  // The key-bound library menu opens from its kept copy before the CLI has loaded.
  const early =
    argv[0] === "media" && argv[1] === "menu" ? await import("./modules/media/menu/early.ts") : undefined;
  await early?.openEarlyMenu(argv.slice(2), process.env);
  const { run } = await import("./app/cli/program.ts");
  process.exitCode = await run(argv);
  await early?.abandonEarlyMenu();
}
