import type { Store } from "../../core/store.ts";
import type { Calendars } from "./calendars.ts";
import { addDays, dateIn } from "./dates.ts";
import type { DueReminder } from "./reminders/schedule.ts";
import { DAY_STATUSES, type DayInfo } from "./school/days.ts";

const DAY = 86_400_000;

/** Entity ids for a configured calendar: `calendar.<id>_today`, `calendar.feed_<id>`. */
export const entityIds = {
  nextEvent: "calendar.next_event",
  nextEventStart: "calendar.next_event_start",
  nextReminder: "calendar.next_reminder",
  today: (school: string) => `calendar.${school}_today`,
  tomorrow: (school: string) => `calendar.${school}_tomorrow`,
  feed: (feed: string) => `calendar.feed_${feed}`,
};

export function defineEntities(store: Store, calendars: Calendars): void {
  store.define({
    id: entityIds.nextEvent,
    kind: "sensor",
    name: "Next calendar event",
    icon: "mdi:calendar-arrow-right",
  });
  store.define({
    id: entityIds.nextEventStart,
    kind: "sensor",
    name: "Next calendar event start",
    deviceClass: "timestamp",
  });
  store.define({
    id: entityIds.nextReminder,
    kind: "sensor",
    name: "Next calendar reminder",
    deviceClass: "timestamp",
    category: "diagnostic",
  });
  for (const school of calendars.config.schools) {
    for (const [id, when] of [
      [entityIds.today(school.id), "today"],
      [entityIds.tomorrow(school.id), "tomorrow"],
    ] as const) {
      store.define({
        id,
        kind: "sensor",
        name: `${school.child ?? school.id} school ${when}`,
        deviceClass: "enum",
        options: DAY_STATUSES,
        icon: "mdi:school",
      });
    }
  }
  for (const id of calendars.feeds.ids()) {
    store.define({
      id: entityIds.feed(id),
      kind: "sensor",
      name: `Calendar feed ${calendars.feeds.name(id)}`,
      deviceClass: "enum",
      options: ["ok", "error", "never"],
      category: "diagnostic",
      icon: "mdi:calendar-sync",
    });
  }
}

/** Puts what the calendars say about `now` into the store; unchanged values emit nothing. */
export function updateEntities(
  store: Store,
  calendars: Calendars,
  now: number,
  nextReminder?: DueReminder,
): void {
  const tz = calendars.config.timezone;
  const next = calendars.events(now, now + 400 * DAY).find((e) => e.start > now);
  if (next) {
    store.set(entityIds.nextEvent, next.summary.slice(0, 255), {
      start: next.allDay ? next.startDate : new Date(next.start).toISOString(),
      end: next.allDay ? addDays(next.endDate!, -1) : new Date(next.end).toISOString(),
      all_day: next.allDay,
      calendar: next.calendar,
      calendar_name: next.calendarName,
      ...(next.location ? { location: next.location } : {}),
    });
    store.set(entityIds.nextEventStart, new Date(next.start).toISOString(), { calendar: next.calendar });
  } else {
    store.set(entityIds.nextEvent, null);
    store.set(entityIds.nextEventStart, null);
  }
  store.set(
    entityIds.nextReminder,
    nextReminder ? new Date(nextReminder.dueAt).toISOString() : null,
    nextReminder
      ? {
          summary: nextReminder.event.summary,
          calendar: nextReminder.event.calendar,
          rule: nextReminder.rule,
        }
      : {},
  );

  const today = dateIn(now, tz);
  for (const school of calendars.config.schools) {
    const days = calendars.schoolDays(school.id);
    for (const [id, date] of [
      [entityIds.today(school.id), today],
      [entityIds.tomorrow(school.id), addDays(today, 1)],
    ] as const) {
      const info: DayInfo = days?.classify(date) ?? { date, status: "no_data", school: false };
      const problem = info.status === "no_data" ? calendars.missingData(school.id, date) : undefined;
      store.set(id, info.status, {
        date,
        school: info.school,
        ...(info.name ? { name: info.name } : {}),
        ...(info.kind ? { kind: info.kind } : {}),
        ...(info.term ? { term: info.term } : {}),
        ...(info.year ? { year: info.year } : {}),
        ...(problem ? { problem: problem.message, ...(problem.hint ? { how: problem.hint } : {}) } : {}),
      });
    }
  }

  for (const id of calendars.feeds.ids()) {
    const s = calendars.feeds.summary(id);
    store.set(entityIds.feed(id), s.status, {
      ...(s.error ? { error: s.error } : {}),
      ...(s.fetchedAt ? { last_download: new Date(s.fetchedAt).toISOString() } : {}),
      ...(s.checkedAt ? { last_check: new Date(s.checkedAt).toISOString() } : {}),
      using_last_good_copy: s.status === "error" && s.hasCopy,
    });
  }
}
