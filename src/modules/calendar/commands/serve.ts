import Fastify from "fastify";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { calendarRoutes } from "../routes.ts";
import { dataDirs } from "../school/repository.ts";
import type { App } from "./register.ts";

export async function serveCommand(app: App, opts: { host?: string; port?: number }): Promise<void> {
  const { ctx, config } = await app.load();
  const host = opts.host ?? config.serve.host;
  const port = opts.port ?? config.serve.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserError(`--port ${opts.port} is not a port`, { code: ExitCode.usage });
  }
  const server = Fastify({ logger: false });
  server.register(calendarRoutes({ config, dirs: dataDirs(ctx.paths, config.data_dir) }), {
    prefix: "/calendar",
  });
  try {
    await server.listen({ host, port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`cannot listen on ${host}:${port}: ${code ?? (error as Error).message}`, {
      code: ExitCode.unavailable,
      hint:
        code === "EADDRINUSE"
          ? "another program uses the port: pass --port or set calendar.serve.port"
          : "check --host",
    });
  }
  const address = server.server.address();
  const actual = typeof address === "object" && address ? address.port : port;
  const base = `http://${host.includes(":") ? `[${host}]` : host}:${actual}/calendar`;
  app.output.line(`serving on ${base}/`);
  for (const school of config.schools) app.output.line(`  ${school.id}: ${base}/${school.id}.ics`);
  if (config.schools.length === 0) app.output.line("  no school calendars are configured (calendar.schools)");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
}
