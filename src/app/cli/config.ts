import { existsSync } from "node:fs";
import type { Command } from "commander";
import { writeFileAtomic } from "../../core/atomic.ts";
import { configFiles } from "../../core/config/files.ts";
import { ExitCode, UserError } from "../../core/errors.ts";
import { resolvePaths } from "../../core/paths.ts";
import { scrubDeep } from "../../core/redact.ts";
import { output } from "./output.ts";
import type { CliSession } from "./session.ts";

/** The config machinery (yaml, zod schemas) loads only when a config command runs. */
async function tools() {
  const [{ stringify }, load, schema, { loadRuntimeConfig }] = await Promise.all([
    import("yaml"),
    import("../../core/config/load.ts"),
    import("../../core/config/schema.ts"),
    import("../../core/runtime.ts"),
  ]);
  return { stringify, ...load, ...schema, loadRuntimeConfig };
}

function commented(yaml: string): string {
  return yaml
    .trimEnd()
    .split("\n")
    .map((line) => `# ${line}`)
    .join("\n");
}

export function registerConfig(program: Command, session: CliSession): void {
  const config = program
    .command("config")
    .description("find, show, check, create and describe the config file")
    .addHelpText("after", "\nExample:\n  deskhub config check && deskhub config show");

  config
    .command("path")
    .description("print where the config files are (base, then the per-host overlay)")
    .option("--json", "print JSON")
    .addHelpText("after", '\nExample:\n  $EDITOR "$(deskhub config path | head -1)"')
    .action(async (options: { json?: boolean }) => {
      const { loadRuntimeConfig } = await tools();
      const { paths, hostname } = await loadRuntimeConfig({
        env: session.env,
        modules: [],
        configFile: session.configFile,
      });
      const files = session.configFile
        ? { base: session.configFile, host: "" }
        : configFiles(paths, hostname);
      const rows = [files.base, files.host]
        .filter(Boolean)
        .map((file) => ({ file, exists: existsSync(file) }));
      if (options.json) return output.json(rows);
      for (const row of rows) output.line(`${row.file}${row.exists ? "" : "  (not there; defaults apply)"}`);
    });

  config
    .command("show")
    .description("print the effective config: files merged, environment applied, defaults filled in")
    .option("--json", "print JSON instead of YAML")
    .addHelpText(
      "after",
      "\nSecrets are shown as [redacted].\nExample:\n  deskhub config show --json | jq .iptv",
    )
    .action(async (options: { json?: boolean }) => {
      const { formatProblems, stringify } = await tools();
      const loaded = await session.loadConfig();
      if (!loaded.config) {
        throw new UserError(`the config has problems:\n${formatProblems(loaded.problems)}`, {
          code: ExitCode.config,
        });
      }
      const value = scrubDeep(loaded.config);
      if (options.json) output.json(value);
      else process.stdout.write(stringify(value));
    });

  config
    .command("check")
    .description("validate the config; exits 78 and lists every problem with file, line and key")
    .option("--json", "print the problems as JSON")
    .addHelpText("after", "\nExample:\n  deskhub config check || echo 'fix the config first'")
    .action(async (options: { json?: boolean }) => {
      const { formatProblems } = await tools();
      const loaded = await session.loadConfig();
      if (options.json)
        output.json({ ok: loaded.problems.length === 0, files: loaded.files, problems: loaded.problems });
      if (loaded.problems.length) {
        if (!options.json) process.stderr.write(`${formatProblems(loaded.problems)}\n`);
        process.exitCode = ExitCode.config;
        return;
      }
      if (!options.json) {
        output.line(
          loaded.files.length
            ? `ok: ${loaded.files.join(", ")}`
            : "ok: no config file; every default applies",
        );
      }
    });

  config
    .command("schema")
    .description("print the JSON Schema of config.yaml, for editors to validate and complete it")
    .addHelpText(
      "after",
      "\nExample (yaml-language-server):\n  deskhub config schema > ~/.config/deskhub/schema.json\n  # first line of config.yaml:  # yaml-language-server: $schema=./schema.json",
    )
    .action(async () => {
      const { jsonSchema } = await tools();
      output.json(await jsonSchema(await session.modules()));
    });

  config
    .command("init")
    .description("ask a few questions and write a commented config.yaml")
    .option("--defaults", "ask nothing; write every section commented out")
    .option("--force", "replace an existing file (the old one is kept as config.yaml.bak)")
    .addHelpText("after", "\nExample:\n  deskhub config init\n  deskhub config init --defaults --force")
    .action(async (options: { defaults?: boolean; force?: boolean }) => {
      const { buildSchema, stringify } = await tools();
      const modules = await session.modules();
      const paths = resolvePaths(session.env);
      const file = session.configFile ?? configFiles(paths, "").base;
      if (existsSync(file) && !options.force) {
        throw new UserError(`${file} already exists`, {
          code: ExitCode.usage,
          hint: "edit it, or run `deskhub config init --force` to replace it (a backup is kept)",
        });
      }
      const answers: Record<string, unknown> = {};
      if (!options.defaults) {
        if (!process.stdin.isTTY) {
          throw new UserError("config init asks questions and needs a terminal", {
            code: ExitCode.usage,
            hint: "run it in a terminal, or use `deskhub config init --defaults`",
          });
        }
        const prompts = await import("@clack/prompts");
        prompts.intro("deskhub config");
        const enabled = await prompts.multiselect({
          message: "Which modules should run?",
          options: modules.map((m) => ({ value: m.name, label: m.name, hint: m.summary })),
          initialValues: modules.map((m) => m.name),
          required: false,
        });
        if (prompts.isCancel(enabled))
          throw new UserError("cancelled; nothing written", { code: ExitCode.usage });
        const port = await prompts.text({
          message: "Dashboard port",
          initialValue: "7373",
          validate: (v) =>
            /^\d+$/.test(v ?? "") && Number(v) > 0 && Number(v) < 65536 ? undefined : "a port, 1-65535",
        });
        if (prompts.isCancel(port))
          throw new UserError("cancelled; nothing written", { code: ExitCode.usage });
        if (port !== "7373") answers.dashboard = { port: Number(port) };
        for (const m of modules) if (!enabled.includes(m.name)) answers[m.name] = { enabled: false };
        prompts.outro(`writing ${file}`);
      }
      const defaults = (await buildSchema(modules)).parse({}) as Record<string, unknown>;
      const parts = [
        "# deskhub config. Every key is optional; what is commented out shows the default.",
        "# Validate with `deskhub config check`; `deskhub config schema` gives editors a schema.",
        "# A file config.<hostname>.yaml next to this one is merged over it on that host.",
      ];
      const summaries = new Map(modules.map((m) => [m.name, m.summary]));
      for (const [section, value] of Object.entries(defaults)) {
        parts.push("", `# ${section}${summaries.has(section) ? `: ${summaries.get(section)}` : ""}`);
        if (answers[section]) parts.push(stringify({ [section]: answers[section] }).trimEnd());
        else parts.push(commented(stringify({ [section]: value })));
      }
      if (existsSync(file))
        await writeFileAtomic(`${file}.bak`, await (await import("node:fs/promises")).readFile(file));
      await writeFileAtomic(file, `${parts.join("\n")}\n`, { mode: 0o600 });
      output.line(`wrote ${file}`);
    });
}
