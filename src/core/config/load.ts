import { readFile } from "node:fs/promises";
import { type Document, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { ExitCode, UserError } from "../errors.ts";
import type { ModuleDef } from "../module.ts";
import type { Paths } from "../paths.ts";
import { scrub } from "../redact.ts";
import { configSources } from "./files.ts";
import { buildSchema, type CoreConfig } from "./schema.ts";

export type AppConfig = CoreConfig & Record<string, Record<string, unknown>>;

export interface ConfigProblem {
  /** The file the offending value came from, or `environment`/`defaults`. */
  file: string;
  line?: number;
  /** Dotted key path, e.g. `iptv.users[0].password`. */
  path: string;
  message: string;
}

export interface LoadedConfig {
  config: AppConfig | undefined;
  problems: ConfigProblem[];
  /** The files that were read, base first. */
  files: string[];
  /** The merged raw values before validation, for `config show` on a broken file. */
  raw: Record<string, unknown>;
}

interface Source {
  file: string;
  doc: Document;
  lines: LineCounter;
}

async function readSource(file: string, problems: ConfigProblem[]): Promise<Source | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UserError(`cannot read ${file}: ${(error as Error).message}`, { code: ExitCode.config });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  for (const error of doc.errors) {
    problems.push({
      file,
      line: lines.linePos(error.pos[0]).line,
      path: "",
      message: `YAML syntax: ${error.message.split("\n")[0]}`,
    });
  }
  return { file, doc, lines };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; anything else (lists included) is replaced by the overlay. */
export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (overlay === undefined) return base;
  if (!isObject(base) || !isObject(overlay)) return overlay;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) out[key] = deepMerge(base[key], value);
  return out;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : out ? `.${String(part)}` : String(part);
  }
  return out;
}

function locate(
  sources: Source[],
  path: readonly PropertyKey[],
  envPaths: Set<string>,
): Pick<ConfigProblem, "file" | "line"> {
  const key = formatPath(path);
  for (let depth = path.length; depth > 0; depth--) {
    const prefix = formatPath(path.slice(0, depth));
    if (envPaths.has(prefix)) return { file: "environment" };
    // The overlay wins the merge, so it is where a value it has came from.
    for (const source of [...sources].reverse()) {
      const node = source.doc.getIn(path.slice(0, depth) as unknown[], true) as
        | { range?: [number, number] }
        | undefined;
      if (node?.range) {
        // For a missing key, point at its parent; for a present one, at its value.
        return { file: source.file, line: source.lines.linePos(node.range[0]).line };
      }
    }
  }
  return { file: key ? "defaults" : (sources.at(-1)?.file ?? "defaults") };
}

function collectPaths(value: unknown, prefix: string, into: Set<string>): void {
  if (prefix) into.add(prefix);
  if (isObject(value))
    for (const [k, v] of Object.entries(value)) collectPaths(v, prefix ? `${prefix}.${k}` : k, into);
}

function describeFound(raw: unknown, path: readonly PropertyKey[]): string {
  let node = raw;
  for (const part of path)
    node = isObject(node) || Array.isArray(node) ? (node as never)[part as never] : undefined;
  if (node === undefined) return "nothing";
  const text = JSON.stringify(node) ?? String(node);
  return scrub(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

function issueMessage(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === "unrecognized_keys") {
    return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")} (a typo? \`deskhub config schema\` lists the valid keys)`;
  }
  return `${issue.message}; found ${describeFound(raw, issue.path)}`;
}

/**
 * Reads config.yaml, merges config.<hostname>.yaml over it and the old scripts'
 * environment variables over both, and validates the result against every module's
 * schema. Problems are returned, each with file, line and key path, not thrown.
 */
export async function loadConfig(options: {
  paths: Paths;
  hostname: string;
  env: NodeJS.ProcessEnv;
  modules: readonly ModuleDef[];
  /** Modules not loaded in this process: their sections pass unchecked. */
  unchecked?: readonly string[];
  /** Read this file instead of the XDG location (tests, `--config`). */
  file?: string;
}): Promise<LoadedConfig> {
  const problems: ConfigProblem[] = [];
  const sources: Source[] = [];
  for (const file of configSources(options.paths, options.hostname, options.file)) {
    const source = await readSource(file, problems);
    if (source) sources.push(source);
  }
  let raw: Record<string, unknown> = {};
  for (const source of sources) {
    const value = source.doc.errors.length ? undefined : source.doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isObject(value)) {
      problems.push({
        file: source.file,
        line: 1,
        path: "",
        message: "the file must be a mapping of sections (key: value)",
      });
      continue;
    }
    raw = deepMerge(raw, value) as Record<string, unknown>;
  }
  const envPaths = new Set<string>();
  for (const def of options.modules) {
    const fromEnv = def.env?.(options.env);
    if (!fromEnv || Object.keys(fromEnv).length === 0) continue;
    collectPaths(fromEnv, def.name, envPaths);
    raw = deepMerge(raw, { [def.name]: fromEnv }) as Record<string, unknown>;
  }
  const files = sources.map((s) => s.file);
  if (problems.length) return { config: undefined, problems, files, raw };
  const result = (await buildSchema(options.modules, options.unchecked)).safeParse(raw);
  if (result.success) return { config: result.data as AppConfig, problems, files, raw };
  for (const issue of result.error.issues) {
    const paths =
      issue.code === "unrecognized_keys"
        ? issue.keys.map((k) => [...issue.path, k])
        : [issue.path as PropertyKey[]];
    const where = locate(sources, paths[0]!, envPaths);
    problems.push({ ...where, path: formatPath(issue.path), message: issueMessage(issue, raw) });
  }
  return { config: undefined, problems, files, raw };
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems
    .map((p) => `${p.file}${p.line ? `:${p.line}` : ""}: ${p.path ? `${p.path}: ` : ""}${p.message}`)
    .join("\n");
}

/** For commands that cannot run on a broken config: exit 78 with every problem listed. */
export function requireConfig(loaded: LoadedConfig): AppConfig {
  if (loaded.config) return loaded.config;
  throw new UserError(
    `the config has ${loaded.problems.length} problem(s):\n${formatProblems(loaded.problems)}`,
    {
      code: ExitCode.config,
      hint: "fix the lines above, then check with `deskhub config check`",
    },
  );
}
