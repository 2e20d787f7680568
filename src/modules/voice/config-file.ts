import { readFile, stat } from "node:fs/promises";
import { isMap, parseDocument } from "yaml";
import { writeFileAtomic } from "../../core/atomic.ts";
import { ExitCode, UserError } from "../../core/errors.ts";

/**
 * Sets keys of the `voice:` section in a config.yaml, keeping every comment, blank line
 * and other section as the user wrote them, and writes the file atomically.
 */
export async function updateVoiceSection(
  file: string,
  values: Readonly<Record<string, unknown>>,
): Promise<void> {
  let text = "";
  let mode = 0o600;
  try {
    text = await readFile(file, "utf8");
    mode = (await stat(file)).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new UserError(`${file} has YAML errors; not changing it`, {
      code: ExitCode.config,
      hint: "fix it first (`deskhub config check`), or use `deskhub voice import --print` and paste the section",
    });
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new UserError(`${file} is not a mapping of sections`, { code: ExitCode.config });
  }
  for (const [key, value] of Object.entries(values)) doc.setIn(["voice", ...key.split(".")], value);
  await writeFileAtomic(file, doc.toString(), { mode });
}
