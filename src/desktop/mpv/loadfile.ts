/**
 * mpv 0.38 put an `index` argument before the per-file options of `loadfile`
 * (`loadfile <url> <flags> <index> <options>`); older mpv (Debian 12 ships 0.35) takes
 * `loadfile <url> <flags> <options>`. Sending the new order to an old mpv makes it read
 * the index as options, and the reverse silently drops the options.
 */
export type MpvVersion = readonly [number, number, number];

/** `mpv 0.35.1`, `mpv v0.38.0`, `mpv 0.38.0-dirty`, `mpv v0.39.0-120-gabc123`. */
export function parseMpvVersion(text: string): MpvVersion | undefined {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

export function hasLoadfileIndex(version: MpvVersion | undefined): boolean {
  if (!version) return true;
  const [major, minor] = version;
  return major > 0 || minor >= 38;
}

/**
 * Per-file options as mpv's key=value list parser reads them. `%N%` quotes a value of
 * N bytes verbatim, so commas, quotes and colons (an HTTP header) need no escaping.
 */
export function encodeFileOptions(options: Readonly<Record<string, string | number>>): string {
  return Object.entries(options)
    .map(([key, raw]) => {
      const value = String(raw);
      return `${key}=%${Buffer.byteLength(value, "utf8")}%${value}`;
    })
    .join(",");
}

export type LoadMode = "replace" | "append" | "append-play";

export function loadfileCommand(
  version: MpvVersion | undefined,
  url: string,
  mode: LoadMode,
  options: Readonly<Record<string, string | number>> = {},
): unknown[] {
  const encoded = encodeFileOptions(options);
  if (!encoded) return ["loadfile", url, mode];
  return hasLoadfileIndex(version) ? ["loadfile", url, mode, -1, encoded] : ["loadfile", url, mode, encoded];
}
