/** One recording stream as `pactl list source-outputs` prints it. */
export interface SourceOutput {
  index: number;
  /** Index of the source it records from. */
  source: number | undefined;
  corked: boolean;
  properties: Record<string, string>;
}

/**
 * Parses `pactl list source-outputs` (PulseAudio and pipewire-pulse print the same
 * layout): a `Source Output #N` header, tab-indented `Key: value` lines and, under
 * `Properties:`, doubly indented `key = "value"` lines.
 */
export function parseSourceOutputs(text: string): SourceOutput[] {
  const outputs: SourceOutput[] = [];
  let current: SourceOutput | undefined;
  for (const line of text.split("\n")) {
    const header = /^Source Output #(\d+)/.exec(line);
    if (header) {
      current = { index: Number(header[1]), source: undefined, corked: false, properties: {} };
      outputs.push(current);
      continue;
    }
    if (!current) continue;
    const property = /^\s+([\w.-]+) = "(.*)"$/.exec(line);
    if (property) {
      current.properties[property[1]!] = property[2]!.replace(/\\"/g, '"');
      continue;
    }
    const field = /^\t([A-Za-z][\w ]*): (.*)$/.exec(line);
    if (!field) continue;
    if (field[1] === "Source") current.source = Number(field[2]);
    else if (field[1] === "Corked") current.corked = field[2]!.trim() === "yes";
  }
  return outputs;
}

/** `pactl list short sources`: index, name, driver, spec, state, tab-separated. */
export function parseShortSources(text: string): Map<number, string> {
  const sources = new Map<number, string>();
  for (const line of text.split("\n")) {
    const [index, name] = line.split("\t");
    if (index && name && /^\d+$/.test(index)) sources.set(Number(index), name);
  }
  return sources;
}

/** `pactl subscribe` lines that mean the set of recording streams may have changed. */
export function isSourceOutputEvent(line: string): boolean {
  return /^Event '(new|change|remove)' on source-output #\d+/.test(line.trim());
}
