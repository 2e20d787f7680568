import type { Command } from "commander";
import { ExitCode, UserError } from "../../core/errors.ts";
import { output } from "./output.ts";
import type { CliSession } from "./session.ts";

export function registerSecrets(program: Command, session: CliSession): void {
  const secrets = program
    .command("secrets")
    .description("resolve secrets (environment, $XDG_RUNTIME_DIR/secrets, SOPS files, key files)")
    .addHelpText("after", "\nExample:\n  deskhub secrets check");

  secrets
    .command("get <name>")
    .description("print one secret's value, for scripts")
    .addHelpText(
      "after",
      '\nExample:\n  curl -H "Authorization: Bearer $(deskhub secrets get hass_token)" ...',
    )
    .action(async (name: string) => {
      const runtime = await session.runtime();
      const value = await runtime.secrets.get(name);
      if (value === undefined) {
        throw new UserError(`secret "${name}" is not set`, {
          code: ExitCode.config,
          hint: runtime.secrets.howToSet(name),
        });
      }
      // The one place a secret is meant to leave: the user asked for it by name.
      process.stdout.write(`${value}\n`);
    });

  secrets
    .command("check")
    .description("list every secret the modules can use and where each was found; never the values")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  deskhub secrets check --json")
    .action(async (options: { json?: boolean }) => {
      const runtime = await session.runtime();
      const rows = [];
      for (const spec of runtime.secrets.specs()) {
        const section = runtime.config[spec.module ?? ""] as { enabled?: boolean } | undefined;
        const location = await runtime.secrets.locate(spec.name);
        rows.push({
          ...location,
          module: spec.module,
          description: spec.description,
          moduleEnabled: section?.enabled !== false,
        });
      }
      if (options.json) return output.json(rows);
      if (rows.length === 0) return output.line("no module asks for a secret");
      output.table([
        ["SECRET", "MODULE", "FOUND IN", "USED FOR"],
        ...rows.map((r) => [
          r.name,
          r.module ?? "",
          r.error ? `error: ${r.error}` : r.found ? `${r.kind} ${r.where}` : "not set",
          r.description,
        ]),
      ]);
      if (rows.some((r) => r.error)) process.exitCode = ExitCode.config;
    });
}
