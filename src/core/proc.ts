import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";

/** The full path of a program on PATH, or undefined; no subprocess is started. */
export async function which(
  program: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (program.includes("/")) {
    return (await isExecutable(program)) ? program : undefined;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first program of a fallback chain that is installed. */
export async function firstAvailable(
  programs: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ program: string; path: string } | undefined> {
  for (const program of programs) {
    const path = await which(program, env);
    if (path) return { program, path };
  }
  return undefined;
}
