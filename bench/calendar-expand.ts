/**
 * Expanding an iCal feed with many recurring events over a year (RRULE, EXDATE,
 * overridden instances, a VTIMEZONE), against parsing the same ICS without expansion,
 * in the same run. The same feed with every series begun ten years earlier shows that
 * the cost follows the occurrences in the range, not the years before it. The last row
 * is what the daemon pays per tick once a feed is expanded: filtering the cached
 * occurrences for a window.
 *
 *   node bench/calendar-expand.ts [recurring] [single] [iterations]   (default 300, 1000, 15)
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expandFeed, parseFeed } from "../src/modules/calendar/feeds/expand.ts";
import { median } from "./lib.ts";

const RECURRING = Number(process.argv[2] ?? 300);
const SINGLE = Number(process.argv[3] ?? 1000);
const ITERATIONS = Number(process.argv[4] ?? 15);

const fixture = readFileSync(
  fileURLToPath(new URL("../test/fixtures/calendar/feeds/family.ics", import.meta.url)),
  "utf8",
);
const vtimezones = fixture.slice(
  fixture.indexOf("BEGIN:VTIMEZONE"),
  fixture.lastIndexOf("END:VTIMEZONE") + "END:VTIMEZONE".length,
);

const pad = (n: number) => String(n).padStart(2, "0");
const local = (d: Date, h: number, m: number) =>
  `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(h)}${pad(m)}00`;

/** A family calendar grown large: weekly activities, daily routines, monthly meetings. */
function feed(firstYear: number): string {
  const lines = [
    "BEGIN:VCALENDAR",
    "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
    "VERSION:2.0",
    "X-WR-CALNAME:Bench",
    "X-WR-TIMEZONE:Europe/Stockholm",
    vtimezones,
  ];
  const rules = [
    "FREQ=WEEKLY;BYDAY=TU",
    "FREQ=DAILY;INTERVAL=2",
    "FREQ=MONTHLY;BYDAY=1MO",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=120",
  ];
  for (let i = 0; i < RECURRING; i++) {
    const start = new Date(Date.UTC(firstYear, i % 12, 1 + (i % 27)));
    const hour = 7 + (i % 12);
    const uid = `bench-recurring-${i}@google.com`;
    lines.push(
      "BEGIN:VEVENT",
      `DTSTART;TZID=Europe/Stockholm:${local(start, hour, 30)}`,
      `DTEND;TZID=Europe/Stockholm:${local(start, hour + 1, 15)}`,
      `RRULE:${rules[i % rules.length]}`,
      `EXDATE;TZID=Europe/Stockholm:${local(new Date(start.getTime() + 28 * 86_400_000), hour, 30)}`,
      "DTSTAMP:20251101T081512Z",
      `UID:${uid}`,
      `SUMMARY:Aktivitet ${i}`,
      "LOCATION:Uppsala",
      "END:VEVENT",
    );
    if (i % 3 === 0) {
      const moved = new Date(start.getTime() + 7 * 86_400_000);
      lines.push(
        "BEGIN:VEVENT",
        `DTSTART;TZID=Europe/Stockholm:${local(moved, hour + 1, 0)}`,
        `DTEND;TZID=Europe/Stockholm:${local(moved, hour + 2, 0)}`,
        `RECURRENCE-ID;TZID=Europe/Stockholm:${local(moved, hour, 30)}`,
        "DTSTAMP:20251101T081512Z",
        `UID:${uid}`,
        `SUMMARY:Aktivitet ${i} (flyttad)`,
        "END:VEVENT",
      );
    }
  }
  for (let i = 0; i < SINGLE; i++) {
    const day = new Date(Date.UTC(2025, 0, 1) + i * 8 * 3_600_000);
    lines.push(
      "BEGIN:VEVENT",
      `DTSTART:${local(day, 9, 0)}Z`,
      `DTEND:${local(day, 10, 0)}Z`,
      "DTSTAMP:20251101T081512Z",
      `UID:bench-single-${i}@google.com`,
      `SUMMARY:Händelse ${i}`,
      "END:VEVENT",
    );
  }
  lines.push("END:VCALENDAR");
  return `${lines.join("\r\n")}\r\n`;
}

function measure(op: () => unknown, iterations = ITERATIONS): number {
  for (let i = 0; i < 2; i++) op();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    op();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

const text = feed(2024);
const old = parseFeed(feed(2014), "Europe/Stockholm");
const range = { from: Date.parse("2025-08-01T00:00:00Z"), to: Date.parse("2026-08-01T00:00:00Z") };
const meta = { calendar: "bench", calendarName: "Bench" };

const parsed = parseFeed(text, "Europe/Stockholm");
const occurrences = expandFeed(parsed, range, meta);
const baseline = measure(() => parseFeed(text, "Europe/Stockholm"));
const full = measure(() => expandFeed(parseFeed(text, "Europe/Stockholm"), range, meta));
const expandOnly = measure(() => expandFeed(parsed, range, meta));
const expandOld = measure(() => expandFeed(old, range, meta));
const week = { from: Date.parse("2025-11-03T00:00:00Z"), to: Date.parse("2025-11-10T00:00:00Z") };
const cachedWindow = measure(() => occurrences.filter((e) => e.start < week.to && e.end > week.from), 200);

console.log(
  `feed: ${(text.length / 1024).toFixed(0)} KiB, ${parsed.components} VEVENTs (${RECURRING} recurring, ${SINGLE} single), ${occurrences.length} occurrences in one year (${expandFeed(old, range, meta).length} with the series begun in 2014); median of ${ITERATIONS}`,
);
console.log("\n### calendar feed expansion\n");
console.log("| step | median ms | × baseline |");
console.log("| --- | --- | --- |");
for (const [step, ms] of [
  ["parse only (baseline: ical.js parse, no expansion)", baseline],
  ["parse + expand one year", full],
  ["expand one year (already parsed)", expandOnly],
  ["the same, every series begun in 2014", expandOld],
  ["one week from the cached expansion (per tick)", cachedWindow],
] as const) {
  console.log(`| ${step} | ${ms.toFixed(2)} | ${(ms / baseline).toFixed(2)} |`);
}
