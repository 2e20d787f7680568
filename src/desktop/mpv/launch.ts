import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { ExitCode, UserError } from "../../core/errors.ts";
import { which } from "../../core/proc.ts";
import { MpvIpc } from "./ipc.ts";
import { type MpvVersion, parseMpvVersion } from "./loadfile.ts";

export interface RunningMpv {
  ipc: MpvIpc;
  version: MpvVersion | undefined;
  /** Set when this process started mpv; undefined when it joined one already running. */
  child: ChildProcess | undefined;
}

export interface MpvLaunchOptions {
  /** `mpv` on PATH or a path. */
  path: string;
  socket: string;
  /** The user's extra options (`--fs`, `--vo=null` in tests). */
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

async function version(ipc: MpvIpc): Promise<MpvVersion | undefined> {
  return parseMpvVersion(String((await ipc.maybe("mpv-version")) ?? ""));
}

/** Joins the mpv already listening on the socket, if one is. */
export async function joinMpv(socket: string): Promise<RunningMpv | undefined> {
  const ipc = await MpvIpc.alive(socket);
  return ipc ? { ipc, version: await version(ipc), child: undefined } : undefined;
}

/**
 * Starts mpv idle with its IPC socket and waits until the socket answers. `--idle=once`
 * keeps it alive until the first file is loaded and lets it quit when the playlist
 * ends, so no empty player is left behind.
 */
export async function startMpv(options: MpvLaunchOptions): Promise<RunningMpv> {
  const program = await which(options.path, options.env);
  if (!program) {
    throw new UserError(`mpv is not installed (${options.path} not found)`, {
      code: ExitCode.unavailable,
      hint: "install mpv (apt install mpv), or set media.mpv.path",
    });
  }
  await mkdir(dirname(options.socket), { recursive: true, mode: 0o700 });
  await rm(options.socket, { force: true });
  const child = spawn(program, ["--idle=once", `--input-ipc-server=${options.socket}`, ...options.args], {
    env: options.env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4000);
  });
  let exited: { code: number | null } | undefined;
  child.once("exit", (code) => {
    exited = { code };
  });
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (Date.now() < deadline) {
    if (exited) break;
    const ipc = await MpvIpc.alive(options.socket);
    if (ipc) return { ipc, version: await version(ipc), child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill();
  const detail = stderr.trim().split("\n").at(-1);
  throw new UserError(
    `mpv did not start${exited ? ` (exit code ${exited.code})` : " in time"}${detail ? `: ${detail}` : ""}`,
    {
      code: ExitCode.unavailable,
      hint: "check media.mpv.args; run mpv by hand to see why",
    },
  );
}
