import { join } from "node:path";
import type { Paths } from "../paths.ts";

/**
 * The control API between the CLI and the daemon: newline-delimited JSON over a unix
 * socket that only the user can open. One request per line, answered by id; after
 * `subscribe`, entity changes arrive as event lines.
 */
export const METHODS = ["ping", "status", "entities", "commands", "run", "subscribe"] as const;
export type Method = (typeof METHODS)[number];

export interface Request {
  id: number;
  method: Method;
  params: Record<string, unknown>;
}

export interface ErrorBody {
  message: string;
  code: number;
  hint?: string;
}

export type Response = { id: number; result: unknown } | { id: number; error: ErrorBody };

export interface EventLine {
  event: "entity";
  data: unknown;
}

export function socketPath(paths: Pick<Paths, "runtimeDir">): string {
  return join(paths.runtimeDir, "daemon.sock");
}

export function pidPath(paths: Pick<Paths, "runtimeDir">): string {
  return join(paths.runtimeDir, "daemon.pid");
}

/** Splits a byte stream into lines, keeping a partial line for the next chunk. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer | string) => void {
  let pending = "";
  return (chunk) => {
    pending += chunk.toString();
    let index = pending.indexOf("\n");
    while (index >= 0) {
      const line = pending.slice(0, index);
      pending = pending.slice(index + 1);
      if (line.trim()) onLine(line);
      index = pending.indexOf("\n");
    }
  };
}
