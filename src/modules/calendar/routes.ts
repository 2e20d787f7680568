import { createHash } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import { isUserError } from "../../core/errors.ts";
import type { CalendarConfig } from "./config.ts";
import { dateIn } from "./dates.ts";
import { buildIcs } from "./ics/build.ts";
import { loadSchoolCalendar, yearsLabel } from "./school/calendar.ts";
import { missingYearMessage } from "./school/repository.ts";
import { yearContaining } from "./school/years.ts";

/**
 * Serves every configured school calendar as `<id>.ics` for subscription (Google
 * Calendar "From URL", phones, Home Assistant's iCal integration), with ETag and
 * Last-Modified so subscribers that poll get a 304 when nothing changed. Each request
 * reads the data files, so a new school year is served without a restart.
 */
export function calendarRoutes(options: {
  config: CalendarConfig;
  dirs: readonly string[];
}): FastifyPluginAsync {
  const { config, dirs } = options;
  return async (app) => {
    app.get("/", async (request, reply) => {
      const base = request.url.replace(/\/?(\?.*)?$/, "");
      const calendars = [];
      const current = yearContaining(dateIn(Date.now(), config.timezone));
      for (const school of config.schools) {
        try {
          const calendar = await loadSchoolCalendar(school, { dirs, timeZone: config.timezone });
          const missing =
            school.years.length === 0 && !calendar.years.some((y) => y.year === current.label)
              ? missingYearMessage(dirs, calendar.municipality, current)
              : undefined;
          calendars.push({
            id: school.id,
            name: calendar.name,
            url: `${base}/${school.id}.ics`,
            years: yearsLabel(calendar.years),
            ...(missing ? { problem: missing.message, hint: missing.hint } : {}),
          });
        } catch (error) {
          if (!isUserError(error)) throw error;
          calendars.push({
            id: school.id,
            url: `${base}/${school.id}.ics`,
            problem: error.message,
            hint: error.hint,
          });
        }
      }
      return reply.header("cache-control", "no-store").send({ calendars });
    });

    app.get<{ Params: { file: string } }>("/:file", async (request, reply) => {
      const id = request.params.file.replace(/\.ics$/, "");
      const school = config.schools.find((s) => s.id === id);
      if (!school || !request.params.file.endsWith(".ics")) {
        return reply.code(404).send({
          error: `no calendar ${request.params.file}`,
          calendars: config.schools.map((s) => `${s.id}.ics`),
        });
      }
      let calendar: Awaited<ReturnType<typeof loadSchoolCalendar>>;
      try {
        calendar = await loadSchoolCalendar(school, { dirs, timeZone: config.timezone });
      } catch (error) {
        if (!isUserError(error)) throw error;
        return reply.code(503).send({ error: error.message, hint: error.hint });
      }
      const body = buildIcs(calendar.events, {
        name: calendar.name,
        description: `${calendar.municipality.name}, ${yearsLabel(calendar.years)}`,
        timeZone: config.timezone,
        stamp: calendar.stamp,
      });
      const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
      reply
        .header("etag", etag)
        .header("last-modified", calendar.stamp.toUTCString())
        .header("cache-control", "max-age=3600")
        .header("content-disposition", `inline; filename="${id}.ics"`);
      const match = request.headers["if-none-match"];
      if (match?.split(",").some((tag) => tag.trim() === etag || tag.trim() === "*")) {
        return reply.code(304).send();
      }
      return reply.type("text/calendar; charset=utf-8").send(body);
    });
  };
}
