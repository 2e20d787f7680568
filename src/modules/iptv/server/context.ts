import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResolvedListener } from "../config.ts";

export interface Listener extends ResolvedListener {
  name: string;
}

/** One client request, with what every handler needs to answer it. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  listener: Listener;
  /** `http://host:port` as the client reaches this listener: the base of every link handed out. */
  base: string;
  address: string;
  /** Address and User-Agent: what tells a channel switch from a second screen. */
  device: string;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/;

/** The address clients reach the listener at: configured, else the Host they used. */
export function baseUrl(req: IncomingMessage, listener: Listener): string {
  if (listener.public_url) return listener.public_url.replace(/\/+$/, "");
  const host = req.headers.host;
  if (host && HOST.test(host) && Number(/:(\d+)$/.exec(host)?.[1] ?? 80) <= 65535) return `http://${host}`;
  const local = req.socket.localAddress ?? listener.host;
  const shown = local.includes(":") ? `[${local}]` : local;
  return `http://${shown}:${listener.port}`;
}

export function clientAddress(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? "unknown").replace(/^::ffff:/, "");
}
