import { readFileSync } from "node:fs";

export interface PackageInfo {
  version: string;
  /** The project's page, given to Home Assistant as the origin's support URL. */
  homepage?: string;
}

let cached: PackageInfo | undefined;

/** deskhub's package.json, read once: its version for --version, clients and caches. */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
    homepage?: string;
    bugs?: string | { url?: string };
  };
  const homepage = pkg.homepage ?? (typeof pkg.bugs === "string" ? pkg.bugs : pkg.bugs?.url);
  cached = { version: pkg.version, ...(homepage ? { homepage } : {}) };
  return cached;
}
