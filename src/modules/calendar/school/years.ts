import { ExitCode, UserError } from "../../../core/errors.ts";
import type { PlainDate } from "../dates.ts";

/** A school year: runs from 1 July of `start` to 30 June of `start + 1`. */
export interface YearLabel {
  start: number;
  /** "2025/26", as Swedish schools write it. */
  label: string;
  /** "2025-26", as the data files are named. */
  slug: string;
}

export function yearOf(start: number): YearLabel {
  const end = String((start + 1) % 100).padStart(2, "0");
  return { start, label: `${start}/${end}`, slug: `${start}-${end}` };
}

/** Accepts 2025/26, 2025-26, 2025/2026 and 2025-2026. */
export function parseYear(text: string): YearLabel {
  const match = /^(\d{4})[/-](\d{2}|\d{4})$/.exec(text.trim());
  if (match) {
    const start = Number(match[1]);
    const end = Number(match[2]);
    if (end === start + 1 || end === (start + 1) % 100) return yearOf(start);
  }
  throw new UserError(`"${text}" is not a school year`, {
    code: ExitCode.usage,
    hint: "write it as 2025/26 (autumn 2025 to spring 2026)",
  });
}

/** The school year a date falls in; July and August already belong to the new one. */
export function yearContaining(date: PlainDate): YearLabel {
  const [y, m] = date.split("-").map(Number) as [number, number];
  return yearOf(m >= 7 ? y : y - 1);
}

export function yearBounds(year: YearLabel): { first: PlainDate; last: PlainDate } {
  return { first: `${year.start}-07-01`, last: `${year.start + 1}-06-30` };
}
