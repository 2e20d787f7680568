import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { Paths } from "../../../core/paths.ts";
import { expandHome } from "../../../core/paths.ts";
import { MunicipalityFile, normalise, type SchoolYear, SchoolYearFile } from "./schema.ts";
import { parseYear, type YearLabel, yearOf } from "./years.ts";

/** The school years shipped with deskhub (the package's data/ directory). */
export const SHIPPED_DIR = fileURLToPath(new URL("../../../../data/calendar/", import.meta.url));

const YEAR_FILE = /^(\d{4})-(\d{2})\.yaml$/;

/** Where school-year files are looked for, first wins: the config's data_dir, the user's data dir, the shipped data. */
export function dataDirs(paths: Paths, configured?: string): string[] {
  const dirs = [join(paths.dataDir, "calendar"), SHIPPED_DIR];
  if (configured) dirs.unshift(expandHome(configured, paths));
  return dirs;
}

export interface Municipality {
  id: string;
  name: string;
  publishesAt?: { url: string; where: string };
  notes?: string;
  years: Array<{ year: YearLabel; file: string }>;
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Every municipality any data dir knows, with the years it has files for. */
export async function listMunicipalities(dirs: readonly string[]): Promise<Municipality[]> {
  const found = new Map<string, Municipality>();
  for (const dir of dirs) {
    for (const id of (await entries(dir)).sort()) {
      if (!/^[a-z0-9-]+$/.test(id)) continue;
      const files = await entries(join(dir, id));
      if (files.length === 0) continue;
      let entry = found.get(id);
      if (!entry) {
        entry = { id, name: id, years: [] };
        found.set(id, entry);
      }
      if (!entry.publishesAt && files.includes("municipality.yaml")) {
        const info = await parseYamlFile(join(dir, id, "municipality.yaml"), MunicipalityFile);
        entry.name = info.name;
        entry.publishesAt = info.publishes_at;
        if (info.notes) entry.notes = info.notes;
      }
      for (const file of files.sort()) {
        const match = YEAR_FILE.exec(file);
        if (!match) continue;
        const year = yearOf(Number(match[1]));
        if (year.slug !== `${match[1]}-${match[2]}`) continue;
        if (!entry.years.some((y) => y.year.slug === year.slug))
          entry.years.push({ year, file: join(dir, id, file) });
      }
    }
  }
  for (const entry of found.values()) entry.years.sort((a, b) => a.year.start - b.year.start);
  return [...found.values()];
}

export async function findMunicipality(dirs: readonly string[], id: string): Promise<Municipality> {
  const all = await listMunicipalities(dirs);
  const entry = all.find((m) => m.id === id.toLowerCase());
  if (!entry) {
    throw new UserError(`no school calendar data for the municipality "${id}"`, {
      code: ExitCode.usage,
      hint: `known: ${all.map((m) => m.id).join(", ") || "none"}; to add one, see ${join(SHIPPED_DIR, "FORMAT.md")}`,
    });
  }
  return entry;
}

/** Says plainly that a year is missing and where the municipality publishes its dates. */
export function missingYearMessage(
  dirs: readonly string[],
  municipality: Municipality,
  year: YearLabel,
): { message: string; hint: string } {
  const userDir = dirs.find((d) => d !== SHIPPED_DIR) ?? SHIPPED_DIR;
  const where = municipality.publishesAt
    ? `${municipality.name} publishes its dates at ${municipality.publishesAt.url} (${municipality.publishesAt.where})`
    : `find ${municipality.name}'s published dates`;
  const have = municipality.years.map((y) => y.year.label).join(", ");
  return {
    message: `no school-year data for ${municipality.name} ${year.label}${have ? ` (deskhub has ${have})` : " (deskhub has no year for it yet)"}`,
    hint: `${where}; copy ${join(SHIPPED_DIR, "knivsta", "template.yaml")} to ${join(userDir, municipality.id, `${year.slug}.yaml`)}, fill in those dates and run \`deskhub calendar check\` on it`,
  };
}

export async function loadYear(
  dirs: readonly string[],
  municipalityId: string,
  yearText: string,
): Promise<SchoolYear> {
  const municipality = await findMunicipality(dirs, municipalityId);
  const year = parseYear(yearText);
  const entry = municipality.years.find((y) => y.year.slug === year.slug);
  if (!entry) {
    const { message, hint } = missingYearMessage(dirs, municipality, year);
    throw new UserError(message, { code: ExitCode.unavailable, hint });
  }
  return loadSchoolYearFile(entry.file);
}

export async function loadSchoolYearFile(file: string): Promise<SchoolYear> {
  return normalise(await parseYamlFile(file, SchoolYearFile), file);
}

/** Parses a YAML file against a schema; problems name the file, line and key. */
async function parseYamlFile<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as Error).message}`, { code: ExitCode.usage });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new UserError(
      `${file}:${first.linePos?.[0]?.line ?? 1}: YAML syntax: ${first.message.split("\n")[0]}`,
      {
        code: ExitCode.dataErr,
      },
    );
  }
  const parsed = schema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .replace(/^\./, "");
    let line: number | undefined;
    for (let depth = issue.path.length; depth >= 0 && line === undefined; depth--) {
      const node = doc.getIn(issue.path.slice(0, depth) as unknown[], true) as
        | { range?: [number, number] }
        | undefined;
      if (node?.range) line = lines.linePos(node.range[0]).line;
    }
    return `${file}:${line ?? 1}: ${path || "(top)"}: ${issue.message}`;
  });
  throw new UserError(`${file} is not a valid school-year file:\n  ${problems.join("\n  ")}`, {
    code: ExitCode.dataErr,
    hint: `the format is described in ${join(SHIPPED_DIR, "FORMAT.md")}`,
  });
}
