import { z } from "zod";
import { duration, port, secretString } from "../../core/config/fields.ts";
import { HH_MM, isTimeZone } from "./dates.ts";

const id = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]*$/,
    "lowercase letters, digits and _, starting with a letter (it becomes entity ids and URLs)",
  );

/**
 * When to remind about an event: `{ days_before: 1, at: "19:00" }` is the evening before,
 * `{ days_before: 0, at: "07:00" }` the morning of, `{ before: "30m" }` half an hour
 * before the start.
 */
export const ReminderRule = z.union([
  z.strictObject({
    days_before: z.number().int().min(0).max(30),
    at: z.string().regex(HH_MM, "a time written HH:MM, e.g. 19:00"),
  }),
  z.strictObject({ before: duration() }),
]);
export type ReminderRule = z.output<typeof ReminderRule>;

const DEFAULT_SCHOOL_REMINDERS = [
  { days_before: 1, at: "19:00" },
  { days_before: 0, at: "07:00" },
];

export const SchoolConfig = z.strictObject({
  id,
  /** The data directory's name: uppsala, knivsta, ... */
  municipality: z.string().regex(/^[a-z0-9-]+$/, "the municipality's data directory name, e.g. uppsala"),
  /** Shown as the calendar's name; default "<municipality> skolkalender". */
  name: z.string().optional(),
  /** Per-child naming: summaries become "Alva: Höstlov" and UIDs stay apart. */
  child: z.string().optional(),
  /** School years to include, e.g. ["2025/26"]; all with data when empty. */
  years: z.array(z.string()).default([]),
  /** Public holidays on weekdays as events of their own. */
  holidays: z.boolean().default(true),
  /** Google Calendar to keep in step with `deskhub calendar sync`, e.g. abc...@group.calendar.google.com. */
  google_calendar_id: z.string().optional(),
  reminders: z.array(ReminderRule).default(DEFAULT_SCHOOL_REMINDERS),
});
export type SchoolConfig = z.output<typeof SchoolConfig>;

export const FeedConfig = z
  .strictObject({
    id,
    name: z.string().optional(),
    /** The secret iCal address (Google: Settings, "Secret address in iCal format"). */
    url: secretString().optional(),
    /** Or the name of a secret holding it (environment variable, runtime dir, SOPS). */
    url_secret: z.string().optional(),
    refresh: duration().default(900),
    reminders: z.array(ReminderRule).default([]),
  })
  .refine((f) => (f.url === undefined) !== (f.url_secret === undefined), {
    message: "give the feed either url or url_secret",
  });
export type FeedConfig = z.output<typeof FeedConfig>;

export const CalendarConfig = z.object({
  timezone: z
    .string()
    .refine(isTimeZone, "an IANA time zone such as Europe/Stockholm")
    .default("Europe/Stockholm"),
  /** Extra school-year files, looked up before the user's data dir and the shipped ones. */
  data_dir: z.string().optional(),
  schools: z.array(SchoolConfig).default([]),
  feeds: z.array(FeedConfig).default([]),
  reminders: z
    .strictObject({
      desktop: z.boolean().default(true),
      urgency: z.enum(["low", "normal", "critical"]).default("normal"),
      /** A Home Assistant notify service, e.g. notify.mobile_app_pixel_8; called through the homeassistant module. */
      homeassistant_service: z
        .string()
        .regex(/^notify\.[a-z0-9_]+$/, "a notify service such as notify.mobile_app_phone")
        .optional(),
      /** Reminders missed while the machine slept or deskhub was stopped are sent late... */
      send_late: z.boolean().default(true),
      /** ...if no later than this, and only while the event has not begun. */
      max_late: duration().default(3 * 3600),
    })
    .prefault({}),
  google: z
    .strictObject({
      auth: z.enum(["oauth", "service_account"]).default("oauth"),
      /** OAuth client of type "Desktop app"; its secret is the secret google_client_secret. */
      client_id: z.string().optional(),
      /** Service accounts with domain-wide delegation act for this user. */
      subject: z.string().optional(),
      root_url: z.url().default("https://www.googleapis.com/"),
      token_url: z.url().default("https://oauth2.googleapis.com/token"),
      auth_url: z.url().default("https://accounts.google.com/o/oauth2/v2/auth"),
      /** How often the daemon syncs the school calendars to Google; 0 = only by command. */
      sync_every: duration().default(0),
    })
    .prefault({}),
  /** `deskhub calendar serve`, for serving the calendars without the daemon. */
  serve: z
    .strictObject({
      host: z.string().default("127.0.0.1"),
      port: port().default(7375),
    })
    .prefault({}),
});
export type CalendarConfig = z.output<typeof CalendarConfig>;
