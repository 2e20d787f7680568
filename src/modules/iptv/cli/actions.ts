import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { CliApp } from "../../../core/module.ts";
import { m3uEntries, m3uPlaylist } from "../api/m3u.ts";
import type { IptvConfig } from "../config.ts";
import { openProxy, startProxy } from "../service.ts";
import { readSessions } from "../sessions-file.ts";
import { configProblems, lineLabel } from "../settings/settings.ts";

type App = CliApp<IptvConfig>;

function table(app: App, rows: string[][]): void {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  for (const row of rows)
    app.output.line(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "));
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export async function serve(app: App): Promise<void> {
  const { ctx, config } = await app.load();
  const running = await startProxy(ctx, config, {
    health: (state, message) => {
      if (state === "degraded") ctx.log.warn(message ?? "degraded");
    },
  });
  for (const listener of running.listeners) {
    app.output.line(
      `${listener.name}: ${listener.url} (profile ${config.listeners[listener.name]?.profile})`,
    );
  }
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await running.stop();
}

export async function users(app: App, options: { json?: boolean }): Promise<void> {
  const { ctx, config } = await app.load();
  const problems = configProblems(config);
  if (problems.length) throw new UserError(problems.join("\n"), { code: ExitCode.config });
  const live = await readSessions(ctx.paths);
  const list = Object.entries(config.users).map(([name, user]) => ({
    name,
    profile: user.profile,
    max_streams: user.max_streams,
    line: user.stream_username ? "own" : "main",
    streams: live ? live.streams.filter((s) => s.user === name).length : null,
  }));
  if (options.json) {
    app.output.json({ proxy_running: live !== undefined, users: list });
    return;
  }
  if (list.length === 0) {
    app.output.line(
      "no users yet: add iptv.users.<name>.password to the config (or PROXY_USER1_USERNAME/PASSWORD)",
    );
    return;
  }
  table(app, [
    ["USER", "PROFILE", "MAX", "LINE", "WATCHING"],
    ...list.map((u) => [
      u.name,
      u.profile,
      String(u.max_streams),
      u.line,
      u.streams === null ? "-" : String(u.streams),
    ]),
  ]);
}

export async function sessions(app: App, options: { json?: boolean }): Promise<void> {
  const { ctx } = await app.load();
  const snap = await readSessions(ctx.paths);
  if (!snap) {
    throw new UserError("the IPTV proxy is not running", {
      code: ExitCode.unavailable,
      hint: "start it with `deskhub up` (the daemon) or `deskhub iptv serve`",
    });
  }
  if (options.json) {
    app.output.json(snap);
    return;
  }
  for (const listener of snap.listeners)
    app.output.line(`${listener.name}: ${listener.url} (profile ${listener.profile})`);
  app.output.line(
    snap.lines.map((l) => `line ${l.line}: ${l.connections}/${l.limit} connections`).join(", "),
  );
  if (snap.streams.length === 0) {
    app.output.line("nobody is watching");
    return;
  }
  const now = Date.now();
  table(app, [
    ["USER", "KIND", "STREAM", "LISTENER", "LINE", "FOR", "MB"],
    ...snap.streams.map((s) => [
      s.user,
      s.kind,
      s.stream,
      s.listener,
      s.line,
      duration(now - s.since),
      (s.bytes / 1048576).toFixed(1),
    ]),
  ]);
}

export async function refresh(app: App, options: { json?: boolean }): Promise<void> {
  const { ctx, config } = await app.load();
  const proxy = await openProxy(ctx, config);
  try {
    const result = await proxy.refresh();
    if (options.json) app.output.json(result);
    else {
      for (const kind of result.kinds) {
        app.output.line(
          kind.ok
            ? `${kind.kind}: ${kind.streams} entries in ${kind.categories} categories`
            : `${kind.kind}: failed, ${kind.error}`,
        );
      }
      for (const line of result.lines) {
        app.output.line(
          `line ${lineLabel(line.line)}: ${line.ok ? `${line.limit} connection(s)` : `failed, ${line.error}`}`,
        );
      }
    }
    if (!result.ok) {
      const age = proxy.catalogue.ageSeconds();
      throw new UserError("the catalogue could not be refreshed completely", {
        code: ExitCode.unavailable,
        hint:
          age === undefined
            ? "there is no cached catalogue yet; check the provider address and account"
            : `the cached lists (${duration(age * 1000)} old) stay in use`,
      });
    }
  } finally {
    proxy.close();
  }
}

export async function m3u(
  app: App,
  options: { user: string; listener: string; type: string; output: string; json?: boolean },
): Promise<void> {
  const { ctx, config } = await app.load();
  const user = config.users[options.user];
  if (!user) {
    throw new UserError(`no user "${options.user}"`, {
      code: ExitCode.usage,
      hint: `known users: ${Object.keys(config.users).sort().join(", ") || "none"} (see deskhub iptv users)`,
    });
  }
  const listener = config.listeners[options.listener];
  if (!listener) {
    throw new UserError(`no listener "${options.listener}"`, {
      code: ExitCode.usage,
      hint: `known: ${Object.keys(config.listeners).join(", ")}`,
    });
  }
  if (options.type !== "m3u" && options.type !== "m3u_plus")
    throw new UserError("--type must be m3u or m3u_plus", { code: ExitCode.usage });
  if (options.output !== "ts" && options.output !== "m3u8")
    throw new UserError("--output must be ts or m3u8", { code: ExitCode.usage });
  const proxy = await openProxy(ctx, config);
  try {
    await proxy.catalogue.ready({ refreshStale: false });
    const host = listener.host === "0.0.0.0" || listener.host === "::" ? ctx.hostname : listener.host;
    const request = {
      catalogue: proxy.catalogue,
      view: proxy.settings.view(listener.profile, user.profile),
      base:
        listener.public_url?.replace(/\/+$/, "") ??
        `http://${host.includes(":") ? `[${host}]` : host}:${listener.port}`,
      username: options.user,
      password: user.password,
      type: options.type,
      output: options.output,
    } as const;
    // Written as is, not through the redacting output: the links must carry the user's own password.
    if (options.json) process.stdout.write(`${JSON.stringify([...m3uEntries(request)], null, 2)}\n`);
    else
      await pipeline(Readable.from(m3uPlaylist(request), { objectMode: false }), process.stdout, {
        end: false,
      });
  } finally {
    proxy.close();
  }
}
