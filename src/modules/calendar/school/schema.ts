import { z } from "zod";
import { isPlainDate, type PlainDate } from "../dates.ts";

const date = z.string().refine(isPlainDate, "a date written YYYY-MM-DD");

export const DAY_OFF_KINDS = [
  "hostlov",
  "jullov",
  "sportlov",
  "pasklov",
  "lov",
  "lovdag",
  "studiedag",
] as const;
export type DayOffKind = (typeof DAY_OFF_KINDS)[number];

export const DEFAULT_NAMES: Record<DayOffKind, string> = {
  hostlov: "Höstlov",
  jullov: "Jullov",
  sportlov: "Sportlov",
  pasklov: "Påsklov",
  lov: "Lov",
  lovdag: "Lovdag",
  studiedag: "Studiedag",
};

/** Lov periods; lovdag and studiedag are single days off inside a term. */
export function isLovPeriod(kind: DayOffKind): boolean {
  return kind !== "lovdag" && kind !== "studiedag";
}

const DayOff = z
  .strictObject({
    kind: z.enum(DAY_OFF_KINDS),
    name: z.string().min(1).optional(),
    date: date.optional(),
    start: date.optional(),
    end: date.optional(),
    note: z.string().optional(),
  })
  .refine(
    (d) =>
      d.date !== undefined
        ? d.start === undefined && d.end === undefined
        : d.start !== undefined && d.end !== undefined,
    { message: "give either date (one day) or start and end (a period, both days included)" },
  );

const Term = z.strictObject({
  /** HT2025, VT2026 */
  term: z.string().regex(/^(HT|VT)\d{4}$/, "HT or VT and the year, e.g. HT2025"),
  start: date,
  end: date,
});

const Note = z.strictObject({
  date,
  name: z.string().min(1),
  /** School forms it is for, e.g. [gymnasieskola]; all when absent. */
  applies_to: z.array(z.string()).optional(),
  description: z.string().optional(),
});

/** One municipality's school year, as written in data/calendar/<municipality>/<yyyy-yy>.yaml. */
export const SchoolYearFile = z.strictObject({
  municipality: z.string().regex(/^[a-z0-9-]+$/, "lowercase letters, digits and dashes, e.g. uppsala"),
  municipality_name: z.string().min(1),
  year: z.string().regex(/^\d{4}\/\d{2}$/, "the school year written 2025/26"),
  school_forms: z.array(z.string()).default([]),
  source: z.strictObject({
    url: z.url(),
    title: z.string().optional(),
    /** When someone last compared this file with the source. */
    checked: date,
    /** How the comparison was made, when it was not against the live source. */
    note: z.string().min(1).optional(),
  }),
  terms: z.array(Term).min(1),
  days_off: z.array(DayOff).default([]),
  notes: z.array(Note).default([]),
});
export type SchoolYearFile = z.output<typeof SchoolYearFile>;

/** Where a municipality publishes its dates: shown when a year has no data. */
export const MunicipalityFile = z.strictObject({
  name: z.string().min(1),
  publishes_at: z.strictObject({ url: z.url(), where: z.string().min(1) }),
  notes: z.string().optional(),
});
export type MunicipalityFile = z.output<typeof MunicipalityFile>;

export interface Term {
  term: string;
  start: PlainDate;
  end: PlainDate;
}

export interface DayOff {
  kind: DayOffKind;
  name: string;
  start: PlainDate;
  end: PlainDate;
  note?: string;
}

export interface SchoolNote {
  date: PlainDate;
  name: string;
  appliesTo: string[];
  description?: string;
}

/** A school year once parsed: periods normalised to start/end, names filled in. */
export interface SchoolYear {
  municipality: string;
  municipalityName: string;
  /** "2025/26" */
  year: string;
  schoolForms: string[];
  source: { url: string; title?: string; checked: PlainDate; note?: string };
  terms: Term[];
  daysOff: DayOff[];
  notes: SchoolNote[];
  /** The file it came from. */
  file: string;
}

export function normalise(data: SchoolYearFile, file: string): SchoolYear {
  return {
    municipality: data.municipality,
    municipalityName: data.municipality_name,
    year: data.year,
    schoolForms: data.school_forms,
    source: data.source,
    terms: data.terms,
    daysOff: data.days_off.map((d) => ({
      kind: d.kind,
      name: d.name ?? DEFAULT_NAMES[d.kind],
      start: (d.date ?? d.start)!,
      end: (d.date ?? d.end)!,
      ...(d.note ? { note: d.note } : {}),
    })),
    notes: data.notes.map((n) => ({
      date: n.date,
      name: n.name,
      appliesTo: n.applies_to ?? [],
      ...(n.description ? { description: n.description } : {}),
    })),
    file,
  };
}
