import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

/**
 * The JavaScript `npm pack` ships (tsc's output of src/), laid out as the package
 * installs: bin/, dist/, data/ and package.json. Built under node_modules/.cache/NAME,
 * where the dependencies still resolve and nobody's dist/ is disturbed. Returns the
 * directory; `bin/deskhub.js` in it is the installed command.
 */
export function buildPackage(name: string): string {
  const build = join(root, "node_modules/.cache", name);
  rmSync(build, { recursive: true, force: true });
  mkdirSync(join(build, "bin"), { recursive: true });
  const tsc = spawnSync(
    process.execPath,
    [
      join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      join(root, "tsconfig.build.json"),
      "--outDir",
      join(build, "dist"),
    ],
    { encoding: "utf8" },
  );
  if (tsc.status !== 0) throw new Error(`tsc failed to build the package: ${tsc.stdout}${tsc.stderr}`);
  copyFileSync(join(root, "package.json"), join(build, "package.json"));
  copyFileSync(join(root, "bin/deskhub.js"), join(build, "bin/deskhub.js"));
  symlinkSync(join(root, "data"), join(build, "data"));
  return build;
}
