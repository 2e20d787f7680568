import { createServer } from "node:http";
import type { FastifyPluginAsync } from "fastify";
import { ExitCode, UserError } from "../../core/errors.ts";
import type { LogTail } from "../../core/log.ts";
import type { Runtime } from "../../core/runtime.ts";
import type { DashboardApp } from "./routes.ts";

export interface DashboardOptions {
  runtime: Runtime;
  tail: LogTail;
  version: string;
  startedAt: number;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * The dashboard on 127.0.0.1:7373. The port is open from the start, but fastify and the
 * routes load on the first request: most of a daemon's life nobody looks, and fastify
 * with its schema compilers is the largest thing an idle daemon would otherwise keep.
 * Modules register their routes before that and are mounted under /<module>/.
 */
export function createDashboard(options: DashboardOptions): {
  register(module: string, plugin: FastifyPluginAsync): void;
  listen(): Promise<string>;
  close(): Promise<void>;
} {
  const { runtime } = options;
  const { host, port, token } = runtime.config.dashboard;
  if (!LOOPBACK.has(host) && !token) {
    throw new UserError(`the dashboard may bind to ${host} only with a token: it can run commands`, {
      code: ExitCode.config,
      hint: "set dashboard.token in config.yaml (a long random string), or keep dashboard.host at 127.0.0.1",
    });
  }
  const plugins: Array<{ module: string; plugin: FastifyPluginAsync }> = [];
  let app: Promise<DashboardApp> | undefined;
  const server = createServer((request, response) => {
    app ??= import("./routes.ts").then(({ buildDashboardApp }) =>
      buildDashboardApp(options, server, plugins),
    );
    app.then(
      ({ handle }) => handle(request, response),
      (error: unknown) => {
        runtime.log.error({ err: error }, "the dashboard could not load");
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        response.end("the dashboard could not load; see deskhub logs\n");
      },
    );
  });

  return {
    register(module, plugin) {
      if (app) throw new Error(`${module} registered dashboard routes after the dashboard loaded`);
      plugins.push({ module, plugin });
    },
    async listen() {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen({ host, port }, () => {
            server.off("error", reject);
            resolve();
          });
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new UserError(
          `the dashboard cannot listen on ${host}:${port}: ${code ?? (error as Error).message}`,
          {
            code: ExitCode.unavailable,
            hint:
              code === "EADDRINUSE"
                ? "another program uses that port; set dashboard.port in config.yaml"
                : "check dashboard.host in config.yaml",
          },
        );
      }
      const address = server.address();
      const actualPort = typeof address === "object" && address ? address.port : port;
      return `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}/`;
    },
    async close() {
      const loaded = await app?.catch(() => undefined);
      loaded?.endStreams();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // A request still being answered gets a moment; the daemon is stopping either way.
      setTimeout(() => server.closeAllConnections(), 1_000).unref();
      if (loaded) await loaded.close();
      await closed;
    },
  };
}
