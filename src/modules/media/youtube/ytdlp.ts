import { spawn } from "node:child_process";
import { z } from "zod";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { which } from "../../../core/proc.ts";

/** A flat playlist entry as yt-dlp prints it with --flat-playlist; the rest passes through. */
export const YtEntry = z.looseObject({
  id: z.string().min(1),
  title: z.string().nullish(),
  url: z.string().nullish(),
  duration: z.number().nullish(),
  channel: z.string().nullish(),
  channel_id: z.string().nullish(),
  uploader: z.string().nullish(),
  view_count: z.number().nullish(),
  live_status: z.string().nullish(),
  availability: z.string().nullish(),
  thumbnails: z
    .array(z.looseObject({ url: z.string(), width: z.number().nullish(), height: z.number().nullish() }))
    .nullish(),
});
export type YtEntry = z.output<typeof YtEntry>;

/** yt-dlp releases older than this many days rarely still read YouTube. */
const STALE_DAYS = 120;

export interface YtdlpOptions {
  program: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function resolveProgram(options: YtdlpOptions): Promise<string> {
  const path = await which(options.program, options.env);
  if (!path) {
    throw new UserError(`yt-dlp is not installed (${options.program} not found)`, {
      code: ExitCode.unavailable,
      hint: "install it (apt install yt-dlp, or pipx install yt-dlp for a current one), or set media.youtube.ytdlp",
    });
  }
  return path;
}

function run(path: string, args: readonly string[], options: YtdlpOptions): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, {
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      signal: options.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGTERM" && code === null) {
        reject(
          new UserError(`yt-dlp did not answer within ${Math.round(options.timeoutMs / 1000)} s`, {
            code: ExitCode.unavailable,
            hint: "YouTube or the network is slow; try again, or raise media.youtube.timeout",
          }),
        );
        return;
      }
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

/** `2023.03.04` -> its age in days; undefined for a version that is not a date (a git build). */
export function versionAgeDays(version: string, now = Date.now()): number | undefined {
  const match = /^(\d{4})\.(\d{2})\.(\d{2})/.exec(version.trim());
  if (!match) return undefined;
  const released = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Math.floor((now - released) / 86_400_000);
}

export async function ytdlpVersion(options: YtdlpOptions): Promise<string> {
  const path = await resolveProgram(options);
  const result = await run(path, ["--version"], options);
  return result.stdout.trim();
}

function lastError(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return (
    lines.filter((l) => l.startsWith("ERROR:") || l.includes("error:")).at(-1) ??
    lines.at(-1) ??
    ""
  ).replace(/^ERROR:\s*/, "");
}

/**
 * Turns yt-dlp's stderr into the message a person can act on. The known failures:
 * cookies missing or not signed in, a browser whose cookies cannot be read, no network,
 * and a yt-dlp too old for today's YouTube.
 */
export function classifyFailure(
  stderr: string,
  context: { what: string; browser?: string | undefined; version?: string | undefined; now?: number },
): UserError {
  const detail = lastError(stderr);
  const age = context.version ? versionAgeDays(context.version, context.now) : undefined;
  const old = age !== undefined && age > STALE_DAYS;
  const versionText = context.version ? `yt-dlp ${context.version}` : "yt-dlp";
  if (
    /could not find .*cookies database|failed to decrypt|could not copy .*cookie|unsupported browser|cookie.*locked/i.test(
      stderr,
    )
  ) {
    return new UserError(
      `yt-dlp could not read the cookies of ${context.browser ?? "the browser"}: ${detail}`,
      {
        code: ExitCode.config,
        hint: "set media.youtube.browser to the browser you are signed in to YouTube with (brave, firefox, chromium, chrome...), or BROWSER:PROFILE",
      },
    );
  }
  if (
    /playlist does not exist|only available for registered users|sign in to confirm|login required|cookies are no longer valid|use --cookies/i.test(
      stderr,
    )
  ) {
    return new UserError(
      `YouTube did not accept the cookies from ${context.browser ?? "the browser"} for ${context.what}: ${detail}`,
      {
        code: ExitCode.noPerm,
        hint: `sign in to YouTube in ${context.browser ?? "the browser"} and try again; the cookies may have expired, or belong to another account`,
      },
    );
  }
  if (
    /name resolution|network is unreachable|getaddrinfo|nodename nor servname|connection refused|timed out|no route to host|unable to download .*urlopen/i.test(
      stderr,
    )
  ) {
    return new UserError(`no network: yt-dlp could not reach YouTube for ${context.what}`, {
      code: ExitCode.unavailable,
      hint: "check the connection; lists already fetched are shown from the cache",
    });
  }
  if (/no such option|unrecognized arguments/i.test(stderr)) {
    return new UserError(`${versionText} is too old: it does not know an option deskhub passes (${detail})`, {
      code: ExitCode.unavailable,
      hint: "install a current yt-dlp (pipx install yt-dlp) and set media.youtube.ytdlp to it if it is not first on PATH",
    });
  }
  if (
    old ||
    /please report this issue|confirm you are on the latest version|unable to extract|nsig extraction failed|signature extraction failed/i.test(
      stderr,
    )
  ) {
    return new UserError(
      old
        ? `${versionText} is too old for today's YouTube (released ${age} days ago): ${detail}`
        : `${versionText} could not read YouTube for ${context.what}: ${detail}`,
      {
        code: ExitCode.unavailable,
        hint: "YouTube changes every few weeks; install a current yt-dlp (pipx install yt-dlp, or yt-dlp -U) and set media.youtube.ytdlp if needed",
      },
    );
  }
  return new UserError(`yt-dlp failed for ${context.what}: ${detail || "no message"}`, {
    code: ExitCode.unavailable,
  });
}

/** Runs yt-dlp for a flat list (a search, a playlist, a feed) and parses one entry per line. */
export async function flatList(
  target: string,
  options: YtdlpOptions & { limit: number; browser?: string | undefined; what: string },
): Promise<YtEntry[]> {
  const path = await resolveProgram(options);
  const args = ["--flat-playlist", "--dump-json", "--no-warnings", "--playlist-end", String(options.limit)];
  if (options.browser) args.push("--cookies-from-browser", options.browser);
  args.push("--", target);
  const result = await run(path, args, options);
  if (result.code !== 0) {
    const version = await ytdlpVersion(options).catch(() => undefined);
    throw classifyFailure(result.stderr, { what: options.what, browser: options.browser, version });
  }
  const entries: YtEntry[] = [];
  for (const line of result.stdout.split("\n")) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const entry = YtEntry.safeParse(json);
    // Channels and playlists in search results are not videos to play.
    if (
      entry.success &&
      (!entry.data.url || entry.data.url.includes("watch?v=") || entry.data.url.includes("/shorts/"))
    ) {
      entries.push(entry.data);
    }
  }
  return entries;
}
