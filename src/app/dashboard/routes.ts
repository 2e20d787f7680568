import { timingSafeEqual } from "node:crypto";
import type { RequestListener, Server } from "node:http";
import Fastify, { type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import { ExitCode, isUserError } from "../../core/errors.ts";
import { scrub, scrubDeep } from "../../core/redact.ts";
import { commandView, entityView } from "../daemon/views.ts";
import { PAGE } from "./page.ts";
import type { DashboardOptions } from "./server.ts";

const RunBody = z.object({ args: z.record(z.string(), z.unknown()).default({}) }).default({ args: {} });

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function tokenFrom(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice(7);
  const cookie = /(?:^|;\s*)deskhub_token=([^;]+)/.exec(request.headers.cookie ?? "");
  if (cookie) return decodeURIComponent(cookie[1]!);
  return (request.query as { token?: string } | undefined)?.token;
}

export interface DashboardApp {
  /** Fastify's request handler, to be called by the server that owns the socket. */
  handle: RequestListener;
  /** Ends every open event stream, so the server can close. */
  endStreams(): void;
  close(): Promise<void>;
}

/**
 * The dashboard's routes: module health, every entity live over server-sent events,
 * every command as a control, the effective config and its problems, a log tail, and
 * the routes modules registered under /<module>/. Served on `server`, which is
 * already listening.
 */
export async function buildDashboardApp(
  options: DashboardOptions,
  server: Server,
  plugins: ReadonlyArray<{ module: string; plugin: FastifyPluginAsync }>,
): Promise<DashboardApp> {
  const { runtime, tail } = options;
  const { token } = runtime.config.dashboard;
  let handle: DashboardApp["handle"] | undefined;
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    serverFactory: (handler) => {
      handle = handler as RequestListener;
      return server;
    },
  });
  const streams = new Set<FastifyReply>();

  if (token) {
    app.addHook("onRequest", async (request, reply) => {
      const given = tokenFrom(request);
      if (!given || !sameSecret(given, token)) {
        return reply
          .code(401)
          .send({ error: "a dashboard token is required: open the page once with ?token=..." });
      }
      // A first visit with ?token= leaves a cookie so the page's own requests carry it.
      if ((request.query as { token?: string } | undefined)?.token) {
        reply.header(
          "set-cookie",
          `deskhub_token=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/`,
        );
      }
    });
  }
  // Commands change the machine: refuse requests another site's page makes in the browser.
  app.addHook("onRequest", async (request, reply) => {
    if (request.method === "GET" || request.method === "HEAD") return;
    const origin = request.headers.origin;
    if (origin && new URL(origin).host !== request.headers.host) {
      return reply.code(403).send({ error: "cross-origin request refused" });
    }
  });

  const state = () => ({
    daemon: {
      pid: process.pid,
      version: options.version,
      hostname: runtime.hostname,
      nodeId: runtime.nodeId,
      startedAt: options.startedAt,
    },
    entities: runtime.store.entities().map(entityView),
    commands: runtime.store.commands().map(commandView),
    config: {
      files: runtime.loaded.files,
      problems: runtime.loaded.problems,
      effective: runtime.config,
    },
    logs: tail.lines.slice(-100),
  });

  app.get("/", async (_request, reply) =>
    reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(PAGE),
  );
  app.get("/api/state", async (_request, reply) =>
    reply.header("cache-control", "no-store").send(scrubDeep(state())),
  );
  app.post<{ Params: { id: string } }>("/api/commands/:id", async (request, reply) => {
    const body = RunBody.safeParse(request.body ?? {});
    if (!body.success) return reply.code(400).send({ error: 'the body must be {"args": {...}}' });
    try {
      const result = await runtime.store.run(request.params.id, body.data.args, "dashboard");
      return reply.send(scrubDeep({ result: result ?? null }));
    } catch (error) {
      if (isUserError(error)) {
        const status = error.code === ExitCode.usage ? 400 : 422;
        return reply
          .code(status)
          .send({ error: scrub(error.message), hint: error.hint ? scrub(error.hint) : undefined });
      }
      runtime.log.error({ err: error, command: request.params.id }, "command from the dashboard failed");
      return reply.code(500).send({ error: scrub(error instanceof Error ? error.message : String(error)) });
    }
  });
  app.get("/api/events", (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${scrub(JSON.stringify(data))}\n\n`);
    res.write("retry: 2000\n\n");
    const offEntity = runtime.store.bus.on("entity:state", ({ entity }) =>
      send("entity", entityView(entity)),
    );
    const offDefined = runtime.store.bus.on("entity:defined", (entity) => send("entity", entityView(entity)));
    const offLog = tail.subscribe((line) => send("log", line));
    // Proxies and browsers drop idle streams; a comment line keeps it open.
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
    keepAlive.unref();
    streams.add(reply);
    request.raw.on("close", () => {
      clearInterval(keepAlive);
      offEntity();
      offDefined();
      offLog();
      streams.delete(reply);
    });
  });

  for (const { module, plugin } of plugins) app.register(plugin, { prefix: `/${module}` });
  await app.ready();
  return {
    handle: handle!,
    endStreams() {
      for (const reply of streams) reply.raw.end();
    },
    close: () => app.close(),
  };
}
