import Holidays from "date-holidays";
import type { PlainDate } from "../dates.ts";

export interface Holiday {
  date: PlainDate;
  /** Swedish name, capitalised: "Långfredagen", "Midsommarafton". */
  name: string;
  /** public: a röd dag; bank: a day most workplaces and all schools treat as one (julafton). */
  type: "public" | "bank";
}

const byYear = new Map<number, Holiday[]>();
let calendar: Holidays | undefined;

function holidaysOf(year: number): Holiday[] {
  let list = byYear.get(year);
  if (!list) {
    calendar ??= new Holidays("SE", { types: ["public", "bank"] });
    list = calendar.getHolidays(year).map((h) => ({
      date: h.date.slice(0, 10),
      name: h.name.charAt(0).toUpperCase() + h.name.slice(1),
      type: h.type === "bank" ? "bank" : "public",
    }));
    byYear.set(year, list);
  }
  return list;
}

/** Swedish public and bank holidays from `first` to `last`, both included. */
export function holidaysBetween(first: PlainDate, last: PlainDate): Holiday[] {
  const out: Holiday[] = [];
  for (let year = Number(first.slice(0, 4)); year <= Number(last.slice(0, 4)); year++) {
    for (const holiday of holidaysOf(year))
      if (holiday.date >= first && holiday.date <= last) out.push(holiday);
  }
  return out;
}

export function holidayMap(first: PlainDate, last: PlainDate): Map<PlainDate, Holiday> {
  return new Map(holidaysBetween(first, last).map((h) => [h.date, h]));
}
