import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../../core/atomic.ts";
import type { Paths } from "../../core/paths.ts";
import type { IptvProxy } from "./proxy.ts";
import { lineLabel } from "./settings/settings.ts";

export interface SessionsSnapshot {
  pid: number;
  updatedAt: number;
  listeners: Array<{ name: string; url: string; profile: string }>;
  streams: Array<{
    user: string;
    kind: string;
    stream: string;
    listener: string;
    line: string;
    since: number;
    bytes: number;
  }>;
  lines: Array<{ line: string; connections: number; limit: number }>;
  catalogue: { ageSeconds: number | null; error: string | null };
}

export function sessionsFile(paths: Pick<Paths, "runtimeDir">): string {
  return join(paths.runtimeDir, "iptv", "sessions.json");
}

export function snapshot(proxy: IptvProxy, listeners: SessionsSnapshot["listeners"]): SessionsSnapshot {
  const { ledger, settings, catalogue } = proxy;
  return {
    pid: process.pid,
    updatedAt: Date.now(),
    listeners,
    streams: [...ledger.viewers.values()].map((v) => ({
      user: v.user,
      kind: v.kind,
      stream: v.streamId,
      listener: v.listener,
      line: lineLabel(v.lineKey),
      since: v.since,
      bytes: v.bytes,
    })),
    lines: [...settings.lines.values()].map((line) => ({
      line: lineLabel(line.key),
      connections: ledger.lineConnections(line.key).length,
      limit: line.limit,
    })),
    catalogue: { ageSeconds: catalogue.ageSeconds() ?? null, error: catalogue.lastError ?? null },
  };
}

/**
 * Keeps `$XDG_RUNTIME_DIR/deskhub/iptv/sessions.json` current, so `deskhub iptv sessions`
 * can answer whether the proxy runs in the daemon or as `deskhub iptv serve`.
 */
export function writeSessions(
  proxy: IptvProxy,
  paths: Pick<Paths, "runtimeDir">,
  listeners: SessionsSnapshot["listeners"],
): { update(): void; stop(): Promise<void> } {
  const file = sessionsFile(paths);
  let timer: NodeJS.Timeout | undefined;
  let writing = Promise.resolve();
  const write = () => {
    timer = undefined;
    writing = writing
      .then(() => writeFileAtomic(file, JSON.stringify(snapshot(proxy, listeners)), { mode: 0o600 }))
      .catch(() => {});
  };
  const schedule = () => {
    timer ??= setTimeout(write, 500);
  };
  const unsubscribe = proxy.ledger.onChange(schedule);
  const tick = setInterval(schedule, 10_000);
  tick.unref();
  write();
  return {
    update: schedule,
    stop: async () => {
      unsubscribe();
      clearInterval(tick);
      if (timer) clearTimeout(timer);
      await writing;
      await rm(file, { force: true });
    },
  };
}

const Snapshot = z.object({
  pid: z.number().int(),
  updatedAt: z.number(),
  listeners: z.array(z.object({ name: z.string(), url: z.string(), profile: z.string() })),
  streams: z.array(
    z.object({
      user: z.string(),
      kind: z.string(),
      stream: z.string(),
      listener: z.string(),
      line: z.string(),
      since: z.number(),
      bytes: z.number(),
    }),
  ),
  lines: z.array(z.object({ line: z.string(), connections: z.number(), limit: z.number() })),
  catalogue: z.object({ ageSeconds: z.number().nullable(), error: z.string().nullable() }),
});

/** The running proxy's snapshot, or undefined when none runs (or the file is not one). */
export async function readSessions(paths: Pick<Paths, "runtimeDir">): Promise<SessionsSnapshot | undefined> {
  let snap: SessionsSnapshot;
  try {
    const parsed = Snapshot.safeParse(JSON.parse(await readFile(sessionsFile(paths), "utf8")));
    if (!parsed.success) return undefined;
    snap = parsed.data;
  } catch {
    return undefined;
  }
  try {
    process.kill(snap.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return undefined;
  }
  return snap;
}
