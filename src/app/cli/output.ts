import { scrub, scrubDeep } from "../../core/redact.ts";

/** stdout is for results (and `--json`), stderr for messages: scripts can pipe one. */
export const output = {
  json(value: unknown): void {
    process.stdout.write(`${JSON.stringify(scrubDeep(value), null, 2)}\n`);
  },
  line(text: string): void {
    process.stdout.write(`${scrub(text)}\n`);
  },
  table(rows: readonly (readonly string[])[]): void {
    const widths: number[] = [];
    for (const row of rows) {
      for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
    }
    for (const row of rows) {
      output.line(
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
          .join("  ")
          .trimEnd(),
      );
    }
  },
};
