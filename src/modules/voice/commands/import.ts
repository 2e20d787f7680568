import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Document } from "yaml";
import { writeFileAtomic } from "../../../core/atomic.ts";
import { configFiles } from "../../../core/config/files.ts";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { CliApp } from "../../../core/module.ts";
import { expandHome } from "../../../core/paths.ts";
import type { VoiceConfig } from "../config.ts";
import { updateVoiceSection } from "../config-file.ts";
import { planImport } from "../legacy.ts";
import { parseVocabulary, vocabularyPath } from "../vocabulary.ts";

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UserError(`cannot read ${path}: ${(error as Error).message}`, { code: ExitCode.noPerm });
  }
}

/**
 * `deskhub voice import`: the old config.json's settings into config.yaml (comments
 * kept, written atomically) or printed to paste; vocabulary.txt merged into deskhub's;
 * and the old status file kept up to date for the old indicator.
 */
export async function runImport(
  app: CliApp<VoiceConfig>,
  options: { from: string; print?: boolean; json?: boolean },
): Promise<void> {
  const { ctx, config } = await app.load();
  const dir = expandHome(options.from, ctx.paths);
  const configText = await readOptional(join(dir, "config.json"));
  const vocabularyText = await readOptional(join(dir, "vocabulary.txt"));
  if (configText === undefined && vocabularyText === undefined) {
    throw new UserError(`found neither config.json nor vocabulary.txt in ${dir}`, {
      code: ExitCode.dataErr,
      hint: "point --from at the old push-to-talk directory",
    });
  }
  let raw: unknown = {};
  if (configText !== undefined) {
    try {
      raw = JSON.parse(configText);
    } catch (error) {
      throw new UserError(`${join(dir, "config.json")} is not valid JSON: ${(error as Error).message}`, {
        code: ExitCode.dataErr,
      });
    }
  }
  const plan = planImport(raw);
  const values: Record<string, unknown> = { ...plan.values, status_file: join(options.from, "status") };

  const vocabFile = vocabularyPath(config.vocabulary_file, ctx.paths);
  let added: string[] = [];
  if (vocabularyText !== undefined) {
    const existingText = (await readOptional(vocabFile)) ?? "";
    const existing = new Set(parseVocabulary(existingText).map((w) => w.toLowerCase()));
    added = parseVocabulary(vocabularyText).filter((w) => !existing.has(w.toLowerCase()));
    if (added.length && !options.print) {
      const prefix = existingText && !existingText.endsWith("\n") ? `${existingText}\n` : existingText;
      await writeFileAtomic(vocabFile, `${prefix}${added.join("\n")}\n`);
    }
  }

  const configFile = configFiles(ctx.paths, ctx.hostname).base;
  if (options.print) {
    const doc = new Document({ voice: values });
    app.output.line(doc.toString().trimEnd());
    if (added.length)
      process.stderr.write(`# vocabulary: ${added.length} word(s) would be added to ${vocabFile}\n`);
  } else {
    await updateVoiceSection(configFile, values);
  }
  if (options.json) {
    app.output.json({
      imported: values,
      skipped: plan.skipped,
      vocabulary: { file: vocabFile, added: added.length },
      config_file: options.print ? undefined : configFile,
    });
  } else if (!options.print) {
    app.output.line(`imported ${Object.keys(values).length} setting(s) into ${configFile}`);
    if (added.length) app.output.line(`added ${added.length} word(s) to ${vocabFile}`);
  }
  for (const skip of plan.skipped) {
    process.stderr.write(
      `deskhub: not imported: ${skip.key} = ${JSON.stringify(skip.value)} (${skip.reason})\n`,
    );
  }
}
