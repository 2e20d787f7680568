import { readFile, stat } from "node:fs/promises";
import { ExitCode, UserError } from "../errors.ts";

/**
 * Reads a secret kept in a file of its own (an API key file, a sops-secrets output).
 * A file that group or others can read is refused: the secret is already exposed, and
 * using it quietly would hide that.
 */
export async function readKeyFile(path: string): Promise<string | undefined> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (!info.isFile()) return undefined;
  if ((info.mode & 0o077) !== 0) {
    throw new UserError(
      `secret file ${path} can be read by other users (mode ${(info.mode & 0o777).toString(8)})`,
      {
        code: ExitCode.noPerm,
        hint: `run: chmod 600 ${path}`,
      },
    );
  }
  const text = (await readFile(path, "utf8")).trim();
  return text || undefined;
}
