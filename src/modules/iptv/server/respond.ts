import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { Logger } from "../../../core/log.ts";
import { scrub } from "../../../core/redact.ts";
import { LimitError } from "../streams/ledger.ts";
import { pipeToClient } from "../streams/pipe.ts";
import { UpstreamError } from "../upstream/errors.ts";

/** An answer other than success, with the words the client (and its user) sees. */
export class HttpError extends Error {
  readonly status: number;
  /** A JSON body to send instead of the message (player_api.php speaks JSON). */
  readonly body: unknown;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.body = options.body;
    this.headers = options.headers ?? {};
  }
}

const COMMON = { "cache-control": "no-store", "x-content-type-options": "nosniff" };

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${scrub(text)}\n`;
  res.writeHead(status, {
    ...COMMON,
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/**
 * JSON is not scrubbed like text: a login answer must carry the user's own password,
 * which is a registered secret. Provider data reaches it only through the patcher.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  json: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = json;
  res.writeHead(status, {
    ...COMMON,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** The status and words for any failure, without the provider's address or credentials. */
export function describeError(error: unknown): {
  status: number;
  message: string;
  body?: unknown;
  headers?: Record<string, string>;
} {
  if (error instanceof HttpError)
    return { status: error.status, message: error.message, body: error.body, headers: error.headers };
  if (error instanceof LimitError)
    return { status: error.status, message: error.message, headers: { "retry-after": "5" } };
  if (error instanceof UpstreamError) {
    if (error.kind === "timeout") return { status: 504, message: error.message };
    if (error.kind === "status" && error.status === 404)
      return { status: 404, message: "not found at the provider" };
    if (error.kind === "status" && error.status === 416)
      return { status: 416, message: "the requested range is not in the file" };
    return { status: 502, message: error.message };
  }
  return { status: 500, message: "internal error in the proxy (see its log)" };
}

export function sendError(res: ServerResponse, error: unknown, json: boolean, log: Logger): void {
  const { status, message, body, headers } = describeError(error);
  if (status === 500) log.error({ err: scrub(String((error as Error)?.stack ?? error)) }, "request failed");
  if (res.destroyed || res.writableEnded) return;
  if (json) sendJson(res, status, JSON.stringify(body ?? { error: message }), headers);
  else sendText(res, status, message, headers);
}

/**
 * Ends a stream the proxy closes itself (a newer stream from the same device took its
 * slot): one not started yet gets an answer that says so, one running is cut.
 */
export function endSuperseded(res: ServerResponse, reason: string): void {
  if (res.headersSent) res.destroy();
  else sendText(res, 409, `${reason}: a newer stream from the same device took its place`);
}

/** A long answer (a big list, a playlist) sent piece by piece as the client takes it. */
export async function sendChunks(
  res: ServerResponse,
  contentType: string,
  chunks: Iterable<string | Buffer> | AsyncIterable<string | Buffer>,
  headers: Record<string, string> = {},
): Promise<void> {
  res.writeHead(200, { ...COMMON, "content-type": contentType, ...headers });
  if (res.req.method === "HEAD") {
    res.end();
    return;
  }
  await pipeToClient(res, [Readable.from(chunks, { objectMode: false })]);
}
