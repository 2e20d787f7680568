import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { ExitCode, UserError } from "../../core/errors.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the daemon's pid file with O_EXCL, so two `deskhub up` cannot both win; a file
 * left by a daemon that died is taken over.
 */
export function acquirePidFile(path: string): () => void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        if (readPid(path) === process.pid) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = readPid(path);
      if (pid && pid !== process.pid && alive(pid)) {
        throw new UserError(`deskhub is already running (pid ${pid})`, {
          code: ExitCode.unavailable,
          hint: `\`deskhub status\` shows it; stop it with \`kill ${pid}\` or \`systemctl --user stop deskhub\``,
        });
      }
      rmSync(path, { force: true });
    }
  }
  throw new UserError(`cannot take the pid file ${path}`, { code: ExitCode.unavailable });
}
