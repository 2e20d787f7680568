import { compareVersions } from "@jellyfin/sdk/lib/utils/versioning.js";
import { API_VERSION, MINIMUM_VERSION } from "@jellyfin/sdk/lib/versions.js";

/**
 * Where a server stands against the SDK deskhub was built with: older than the SDK
 * supports (its routes before 10.10 differ), within the API its typings were generated
 * from, or newer than them (fields may have moved; every response is parsed with zod,
 * so what deskhub reads is checked, and an SDK update may be due).
 */
export type ServerSupport = "unsupported" | "supported" | "newer";

export const SDK_API_VERSION: string = API_VERSION;
export const SDK_MINIMUM_VERSION: string = MINIMUM_VERSION;

/** `10.11.0-rc1` -> `10.11.0`, `v12.0` -> `12.0`: the SDK compares plain numbers only. */
function numericVersion(version: string): string | undefined {
  return /\d+(?:\.\d+)*/.exec(version)?.[0];
}

export function serverSupport(version: string): ServerSupport {
  const plain = numericVersion(version);
  if (!plain || compareVersions(plain, MINIMUM_VERSION) < 0) return "unsupported";
  return compareVersions(plain, API_VERSION) > 0 ? "newer" : "supported";
}

/** What a person is told when the server is newer than the SDK's typings. */
export function newerThanSdk(version: string): string {
  return `Jellyfin ${version} is newer than the API @jellyfin/sdk was generated from (${API_VERSION}); deskhub checks every answer it reads, but an update of deskhub (and its SDK) may be due`;
}
