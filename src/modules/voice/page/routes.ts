import type { FastifyPluginAsync } from "fastify";
import { VOICE_PAGE } from "./page.ts";

/** The voice page on the dashboard server, at /voice/ (the tray's "Voice settings…" opens it). */
export function voiceRoutes(): FastifyPluginAsync {
  return async (app) => {
    app.get("/", async (_request, reply) =>
      reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(VOICE_PAGE),
    );
  };
}
