import { mkdir, open, readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { ExitCode, UserError } from "../../../core/errors.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * An exclusive lock file holding the owner's pid. A lock whose owner died (a crash, a
 * kill -9) is taken over; a live one is waited for a little, then reported.
 */
export async function withLock<T>(path: string, work: () => Promise<T>, waitMs = 5000): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(path, "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (!Number.isInteger(owner) || owner <= 0 || !alive(owner)) {
        await rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new UserError(`another deskhub (pid ${owner}) is switching bookmark databases`, {
          code: ExitCode.unavailable,
          hint: `wait for it to finish; if pid ${owner} is not deskhub, remove ${path}`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}
