import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { getPlaylist } from "../api/get.ts";
import { image } from "../api/images.ts";
import { playerApi } from "../api/player-api.ts";
import { xmltv } from "../api/xmltv.ts";
import type { IptvProxy } from "../proxy.ts";
import { streamRoute, timeshiftPhpRoute, timeshiftRoute } from "../streams/handlers.ts";
import { hlsLink } from "../streams/hls.ts";
import { baseUrl, clientAddress, type Listener, type RequestContext } from "./context.ts";
import { HttpError, sendError, sendText } from "./respond.ts";
import { parseRoute, type Route } from "./routes.ts";

const FORM_LIMIT = 64 * 1024;
const FORM_PAGES = new Set<Route["type"]>(["player_api", "get", "xmltv", "timeshift_php"]);

/** player_api.php takes its parameters from the query and, for POST, a urlencoded form. */
async function readParams(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
  const params = new URLSearchParams(url.search);
  if (req.method !== "POST") return params;
  const type = String(req.headers["content-type"] ?? "");
  if (type && !/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new HttpError(415, "send the form as application/x-www-form-urlencoded");
  }
  let body = "";
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > FORM_LIMIT) throw new HttpError(413, "the form is larger than 64 kB");
  }
  for (const [name, value] of new URLSearchParams(body)) params.set(name, value);
  return params;
}

/** The request target as a URL; a protocol-relative or unparsable one is a 400, not a crash. */
function requestUrl(target: string | undefined): URL {
  if (!target?.startsWith("/"))
    throw new HttpError(400, "the request target must be a path such as /player_api.php");
  try {
    return new URL(`http://proxy.invalid${target}`);
  } catch {
    throw new HttpError(400, "the request address does not parse");
  }
}

async function dispatch(proxy: IptvProxy, rc: RequestContext, route: Route): Promise<void> {
  switch (route.type) {
    case "player_api":
      return playerApi(proxy, rc, await readParams(rc.req, rc.url));
    case "get":
      return getPlaylist(proxy, rc, await readParams(rc.req, rc.url));
    case "xmltv":
      return xmltv(proxy, rc, await readParams(rc.req, rc.url));
    case "timeshift_php":
      return timeshiftPhpRoute(proxy, rc, await readParams(rc.req, rc.url));
    case "stream":
      return streamRoute(proxy, rc, route);
    case "timeshift":
      return timeshiftRoute(proxy, rc, route);
    case "hls":
      return hlsLink(proxy, rc, route.token);
    case "img":
      return image(proxy, rc, route.token);
  }
}

async function handle(
  proxy: IptvProxy,
  listener: Listener,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = Date.now();
  const controller = new AbortController();
  res.once("close", () => controller.abort());
  const method = req.method ?? "GET";
  let route: Route | undefined;
  try {
    if (method !== "GET" && method !== "HEAD" && method !== "POST") {
      throw new HttpError(405, `${method.slice(0, 16)} is not supported here; use GET`, {
        headers: { allow: "GET, HEAD, POST" },
      });
    }
    const url = requestUrl(req.url);
    route = parseRoute(url.pathname);
    if (!route) {
      throw new HttpError(
        404,
        "nothing here: Xtream clients use /player_api.php, /get.php, /xmltv.php and stream addresses",
      );
    }
    if (method === "POST" && !FORM_PAGES.has(route.type))
      throw new HttpError(405, "POST is only for the .php pages", { headers: { allow: "GET, HEAD" } });
    const address = clientAddress(req);
    const rc: RequestContext = {
      req,
      res,
      url,
      listener,
      base: baseUrl(req, listener),
      address,
      device: `${address}|${String(req.headers["user-agent"] ?? "").slice(0, 200)}`,
      signal: controller.signal,
    };
    await dispatch(proxy, rc, route);
  } catch (error) {
    if (!controller.signal.aborted) sendError(res, error, route?.type === "player_api", proxy.log);
    else res.destroy();
  } finally {
    proxy.log.debug(
      { listener: listener.name, route: route?.type, status: res.statusCode, ms: Date.now() - started },
      "request",
    );
  }
}

export interface ListenerServer {
  name: string;
  url: string;
  close(): Promise<void>;
}

/** Starts one listener (full, mini, ...) on its own address, serving with its own profile. */
export function startListener(proxy: IptvProxy, listener: Listener): Promise<ListenerServer> {
  const server = http.createServer(
    {
      maxHeaderSize: 16 * 1024,
      headersTimeout: 20_000,
      requestTimeout: 60_000,
      keepAliveTimeout: 5_000,
      noDelay: true,
    },
    (req, res) => {
      handle(proxy, listener, req, res).catch((error) => {
        proxy.log.error({ err: String(error) }, "request handler failed");
        sendText(res, 500, "internal error in the proxy");
      });
    },
  );
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status =
      error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    const text =
      status === 431
        ? "the request's address or headers are too long"
        : status === 408
          ? "the request took too long"
          : "a malformed HTTP request";
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: text/plain\r\ncontent-length: ${text.length + 1}\r\nconnection: close\r\n\r\n${text}\n`,
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const where = `${listener.host}:${listener.port}`;
      const hint = `set iptv.listeners.${listener.name}.port (or .host) in the config, or stop what uses it`;
      if (error.code === "EADDRINUSE")
        reject(
          new UserError(`the ${listener.name} listener cannot use ${where}: it is in use`, {
            code: ExitCode.unavailable,
            hint,
          }),
        );
      else if (error.code === "EACCES")
        reject(
          new UserError(`the ${listener.name} listener may not use ${where}`, {
            code: ExitCode.noPerm,
            hint,
          }),
        );
      else
        reject(
          new UserError(`the ${listener.name} listener cannot start on ${where}: ${error.message}`, {
            code: ExitCode.unavailable,
            hint,
          }),
        );
    });
    server.listen(listener.port, listener.host, () => {
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve({
        name: listener.name,
        url: `http://${host}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
