import { timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:net";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { Logger } from "../../../core/log.ts";

export interface EmbeddedBroker {
  /** Where this process connects to it. */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

function same(a: string, b: Buffer | string | undefined): boolean {
  if (b === undefined) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * The MQTT broker a fresh install runs by itself (aedes), so deskhub works before
 * anyone has set up mosquitto. With credentials configured it requires them: it may
 * listen beyond loopback for Home Assistant on another machine.
 */
export async function startEmbeddedBroker(options: {
  host: string;
  port: number;
  username?: string;
  password?: string;
  log: Logger;
}): Promise<EmbeddedBroker> {
  const { Aedes } = await import("aedes");
  const { username, password } = options;
  const broker = await Aedes.createBroker({
    authenticate(_client, user, pass, done) {
      if (username === undefined && password === undefined) return done(null, true);
      const ok = same(username ?? "", user) && same(password ?? "", pass);
      if (ok) return done(null, true);
      const error = Object.assign(new Error("bad user name or password"), { returnCode: 4 as const });
      done(error, false);
    },
  });
  broker.on("clientError", (client, error) =>
    options.log.debug({ client: client.id, err: error.message }, "embedded broker: client error"),
  );
  const server = createServer(broker.handle);
  try {
    await listen(server, options.host, options.port);
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `the embedded MQTT broker cannot listen on ${options.host}:${options.port}: ${code ?? error}`,
      {
        code: code === "EACCES" ? ExitCode.noPerm : ExitCode.unavailable,
        hint:
          code === "EADDRINUSE"
            ? `a broker already runs there? use it with homeassistant.broker: "127.0.0.1:${options.port}", or move the embedded one with homeassistant.embedded.port`
            : "set homeassistant.embedded.host and .port to an address this user may listen on",
      },
    );
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const connectHost = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  options.log.info({ host: options.host, port }, "embedded MQTT broker listening");
  return {
    url: `mqtt://${connectHost.includes(":") ? `[${connectHost}]` : connectHost}:${port}`,
    host: options.host,
    port,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
