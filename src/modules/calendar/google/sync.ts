import type { calendar_v3 } from "@googleapis/calendar";
import { ExitCode, errorMessage, UserError } from "../../../core/errors.ts";
import type { CalendarEvent } from "../event.ts";
import { googleEventId } from "./ids.ts";

type GEvent = calendar_v3.Schema$Event;

/** Marks the events deskhub manages, so a sync never touches the user's own. */
export const SOURCE_PROPERTY = "deskhub_source";
export const UID_PROPERTY = "deskhub_uid";

export interface SyncPlan {
  calendarId: string;
  source: string;
  insert: Array<{ id: string; summary: string; start: string }>;
  update: Array<{ id: string; summary: string; start: string; changes: string[] }>;
  delete: Array<{ id: string; summary: string; start: string }>;
  unchanged: number;
}

export interface SyncResult extends SyncPlan {
  applied: boolean;
  /** Inserts that met an existing id (409) and were patched instead. */
  conflicts: number;
}

function desired(event: CalendarEvent, source: string, timeZone: string): GEvent {
  return {
    id: googleEventId(event.uid),
    summary: event.summary,
    description: event.description ?? "",
    start: event.allDay
      ? { date: event.startDate! }
      : { dateTime: new Date(event.start).toISOString(), timeZone },
    end: event.allDay ? { date: event.endDate! } : { dateTime: new Date(event.end).toISOString(), timeZone },
    transparency: "transparent",
    status: "confirmed",
    extendedProperties: { private: { [SOURCE_PROPERTY]: source, [UID_PROPERTY]: event.uid } },
  };
}

function when(time: calendar_v3.Schema$EventDateTime | undefined): string {
  if (!time) return "";
  if (time.date) return time.date;
  return time.dateTime ? new Date(time.dateTime).toISOString() : "";
}

/** The fields of `want` that `have` differs in, as Google would compare them. */
function changes(want: GEvent, have: GEvent): string[] {
  const out: string[] = [];
  if ((have.summary ?? "") !== want.summary) out.push("summary");
  if ((have.description ?? "") !== (want.description ?? "")) out.push("description");
  if (when(have.start) !== when(want.start)) out.push("start");
  if (when(have.end) !== when(want.end)) out.push("end");
  if ((have.transparency ?? "opaque") !== want.transparency) out.push("transparency");
  if (have.status !== "confirmed") out.push("status");
  const props = have.extendedProperties?.private ?? {};
  if (props[UID_PROPERTY] !== want.extendedProperties?.private?.[UID_PROPERTY])
    out.push("extendedProperties");
  return out;
}

function statusOf(error: unknown): number | undefined {
  const e = error as { status?: number; response?: { status?: number } };
  return e.response?.status ?? e.status;
}

function reasonOf(error: unknown): string {
  const data = (error as { response?: { data?: unknown } }).response?.data as
    | { error?: { message?: string } | string; error_description?: string }
    | undefined;
  if (typeof data?.error === "string")
    return `${data.error}${data.error_description ? `: ${data.error_description}` : ""}`;
  return data?.error?.message ?? errorMessage(error);
}

/** Google's answers as errors a user can act on. */
export function googleError(error: unknown, calendarId: string, account: string): UserError {
  const status = statusOf(error);
  const reason = reasonOf(error);
  if (reason.startsWith("invalid_grant")) {
    return new UserError(`Google no longer accepts deskhub's refresh token (${reason})`, {
      code: ExitCode.noPerm,
      hint: "it was revoked or has expired: run `deskhub calendar login` again",
    });
  }
  if (status === 401) {
    return new UserError(`Google did not accept deskhub's credentials: ${reason}`, {
      code: ExitCode.noPerm,
      hint: "run `deskhub calendar login` again (or check the service account key)",
    });
  }
  if (status === 403) {
    return new UserError(`${account} may not change events in the Google calendar ${calendarId}: ${reason}`, {
      code: ExitCode.noPerm,
      hint: 'share the calendar with that account with "Make changes to events"',
    });
  }
  if (status === 404) {
    return new UserError(`Google has no calendar ${calendarId} that ${account} can see`, {
      code: ExitCode.config,
      hint: "copy the calendar id from Google Calendar: Settings, the calendar, Integrate calendar, Calendar ID",
    });
  }
  return new UserError(`Google Calendar API: ${reason}`, { code: ExitCode.unavailable });
}

async function listManaged(api: calendar_v3.Calendar, calendarId: string, source: string): Promise<GEvent[]> {
  const out: GEvent[] = [];
  let pageToken: string | undefined;
  do {
    const page = await api.events.list({
      calendarId,
      privateExtendedProperty: [`${SOURCE_PROPERTY}=${source}`],
      // Deleted events keep their id: an event the data brings back must be restored, not inserted.
      showDeleted: true,
      maxResults: 250,
      ...(pageToken ? { pageToken } : {}),
    });
    out.push(...(page.data.items ?? []));
    pageToken = page.data.nextPageToken ?? undefined;
  } while (pageToken);
  return out;
}

/**
 * Makes the deskhub events in a Google calendar match `events`: inserts what is new,
 * patches what changed (or was deleted by hand), deletes what the data no longer has.
 * Event ids come from the stable UIDs, so a second run with the same data changes
 * nothing. With `dryRun` it only reads and returns the plan.
 */
export async function syncToGoogle(options: {
  api: calendar_v3.Calendar;
  calendarId: string;
  source: string;
  events: readonly CalendarEvent[];
  timeZone: string;
  dryRun: boolean;
  account: string;
}): Promise<SyncResult> {
  const { api, calendarId, source } = options;
  const wanted = new Map(
    options.events.map((e) => [googleEventId(e.uid), desired(e, source, options.timeZone)]),
  );
  let existing: GEvent[];
  try {
    existing = await listManaged(api, calendarId, source);
  } catch (error) {
    throw googleError(error, calendarId, options.account);
  }
  const have = new Map(existing.filter((e) => e.id).map((e) => [e.id!, e]));
  const plan: SyncPlan = { calendarId, source, insert: [], update: [], delete: [], unchanged: 0 };
  for (const [id, want] of wanted) {
    const current = have.get(id);
    const brief = { id, summary: want.summary ?? "", start: when(want.start) };
    if (!current) plan.insert.push(brief);
    else {
      const diff = changes(want, current);
      if (diff.length) plan.update.push({ ...brief, changes: diff });
      else plan.unchanged++;
    }
  }
  for (const [id, current] of have) {
    if (!wanted.has(id) && current.status !== "cancelled") {
      plan.delete.push({ id, summary: current.summary ?? "", start: when(current.start ?? undefined) });
    }
  }
  const result: SyncResult = { ...plan, applied: !options.dryRun, conflicts: 0 };
  if (options.dryRun) return result;

  try {
    for (const item of plan.insert) {
      const body = wanted.get(item.id)!;
      try {
        await api.events.insert({ calendarId, requestBody: body });
      } catch (error) {
        // The id is taken by an event the list did not return (its marker was removed):
        // take it over rather than fail, so the run still converges.
        if (statusOf(error) !== 409) throw error;
        result.conflicts++;
        await api.events.patch({ calendarId, eventId: item.id, requestBody: body });
      }
    }
    for (const item of plan.update) {
      await api.events.patch({ calendarId, eventId: item.id, requestBody: wanted.get(item.id)! });
    }
    for (const item of plan.delete) {
      try {
        await api.events.delete({ calendarId, eventId: item.id });
      } catch (error) {
        const status = statusOf(error);
        if (status !== 404 && status !== 410) throw error;
      }
    }
  } catch (error) {
    throw googleError(error, calendarId, options.account);
  }
  return result;
}
