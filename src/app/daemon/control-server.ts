import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { dirname } from "node:path";
import { z } from "zod";
import { lineSplitter, METHODS, type Request, type Response } from "../../core/control/protocol.ts";
import { ExitCode, isUserError, UserError } from "../../core/errors.ts";
import { scrub, scrubDeep } from "../../core/redact.ts";
import type { CommandSource, Store } from "../../core/store.ts";
import { commandView, entityView } from "./views.ts";

export interface ControlHandlers {
  status(): unknown;
  store: Store;
}

// The socket is the daemon's edge: every line is parsed before anything trusts it.
const RequestLine = z.object({
  id: z.number().int(),
  method: z.enum(METHODS),
  params: z.record(z.string(), z.unknown()).default({}),
});

const SOURCES = new Set<CommandSource>([
  "cli",
  "dashboard",
  "homeassistant",
  "daemon",
  "rule",
  "voice",
  "test",
]);

/**
 * The daemon's control API on a unix socket only the user can open (mode 0600 in a
 * 0700 directory): list entities, run a command, follow changes.
 */
export class ControlServer {
  #server: Server;
  #path: string;
  #handlers: ControlHandlers;
  #sockets = new Set<Socket>();

  constructor(path: string, handlers: ControlHandlers) {
    this.#path = path;
    this.#handlers = handlers;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  async listen(): Promise<void> {
    mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
    // The pid file proved no other daemon runs, so a socket file here is a leftover.
    rmSync(this.#path, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#path, () => resolve());
    });
    chmodSync(this.#path, 0o600);
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    const unsubscribers: Array<() => void> = [];
    socket.on("close", () => {
      this.#sockets.delete(socket);
      for (const off of unsubscribers) off();
    });
    socket.on("error", () => socket.destroy());
    const send = (message: unknown) => {
      if (!socket.writable) return;
      socket.write(`${scrub(JSON.stringify(message))}\n`);
    };
    socket.on(
      "data",
      lineSplitter((line) => {
        let request: Request;
        try {
          request = RequestLine.parse(JSON.parse(line));
        } catch {
          send({
            id: 0,
            error: { message: "bad request: expected one JSON object per line", code: ExitCode.usage },
          });
          return;
        }
        this.#handle(request, send, unsubscribers).then(
          (result) => send({ id: request.id, result } satisfies Response),
          (error: unknown) => {
            const body = isUserError(error)
              ? { message: error.message, code: error.code, hint: error.hint }
              : { message: error instanceof Error ? error.message : String(error), code: ExitCode.software };
            send({ id: request.id, error: body } satisfies Response);
          },
        );
      }),
    );
  }

  async #handle(
    request: Request,
    send: (m: unknown) => void,
    unsubscribers: Array<() => void>,
  ): Promise<unknown> {
    const { store } = this.#handlers;
    switch (request.method) {
      case "ping":
        return { pid: process.pid };
      case "status":
        return this.#handlers.status();
      case "entities":
        return store.entities().map(entityView);
      case "commands":
        return store.commands().map(commandView);
      case "run": {
        const { command, args, source } = request.params as {
          command?: unknown;
          args?: unknown;
          source?: unknown;
        };
        if (typeof command !== "string")
          throw new UserError("run needs params.command", { code: ExitCode.usage });
        const from = SOURCES.has(source as CommandSource) ? (source as CommandSource) : "cli";
        return scrubDeep((await store.run(command, args ?? {}, from)) ?? null);
      }
      case "subscribe": {
        const ids = Array.isArray(request.params.entities)
          ? new Set(request.params.entities.map(String))
          : undefined;
        unsubscribers.push(
          store.bus.on("entity:state", ({ entity }) => {
            if (!ids || ids.has(entity.id)) send({ event: "entity", data: entityView(entity) });
          }),
        );
        return store
          .entities()
          .filter((e) => !ids || ids.has(e.id))
          .map(entityView);
      }
    }
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.#path, { force: true });
  }
}
