import { Command, CommanderError } from "commander";
import { ExitCode, isUserError } from "../../core/errors.ts";
import { packageInfo } from "../../core/package-info.ts";
import { scrub } from "../../core/redact.ts";
import { modules as moduleList } from "../../modules.ts";
import { output } from "./output.ts";
import { CliSession } from "./session.ts";

/** The command's first word, skipping global options (and the value of --config). */
function firstWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-c" || arg === "--config") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/**
 * Which modules a command line needs: none for the daemon-only commands, one for a
 * module's own commands (a key bind's `deskhub voice start` must be quick), all otherwise.
 */
function modulesFor(argv: readonly string[]): "none" | "all" | string {
  const first = firstWord(argv);
  if (first === undefined) return "all";
  if (["status", "logs", "waybar"].includes(first)) return "none";
  const owner = moduleList.find((entry) => entry.name === first || entry.topLevel?.includes(first));
  return owner ? owner.name : "all";
}

/** The built-in commands, loaded only for a command line that may be one of them. */
async function registerBuiltIns(program: Command, session: CliSession): Promise<void> {
  const [up, status, config, secrets, logs, systemd, waybar] = await Promise.all([
    import("./up.ts"),
    import("./status.ts"),
    import("./config.ts"),
    import("./secrets.ts"),
    import("./logs.ts"),
    import("./systemd.ts"),
    import("./waybar.ts"),
  ]);
  up.registerUp(program, session);
  status.registerStatus(program, session);
  config.registerConfig(program, session);
  secrets.registerSecrets(program, session);
  logs.registerLogs(program, session);
  systemd.registerSystemd(program, session);
  waybar.registerWaybar(program, session);
}

export async function buildProgram(session: CliSession, argv: readonly string[]): Promise<Command> {
  const program = new Command("deskhub")
    .description(
      "Ties this Linux desktop to the home around it: Home Assistant, IPTV, media, calendar, voice.",
    )
    .version(packageInfo().version, "-V, --version")
    .option("-c, --config <file>", "read this config file instead of $XDG_CONFIG_HOME/deskhub/config.yaml")
    .showHelpAfterError("(add --help for usage)")
    .configureHelp({ sortSubcommands: false })
    .hook("preAction", (cmd) => {
      session.configFile = cmd.opts<{ config?: string }>().config;
    });
  program.addHelpText(
    "after",
    "\nExamples:\n  deskhub up                 run the daemon; dashboard on http://127.0.0.1:7373\n  deskhub status --json      daemon health and every entity\n  deskhub config check       validate the config file",
  );

  const wanted = modulesFor(argv);
  // A module's command (`deskhub media menu` from a key bind) parses without them.
  const builtIns = wanted === "all" || wanted === "none";
  if (builtIns) await registerBuiltIns(program, session);
  if (wanted !== "none") {
    if (wanted !== "all") session.selectModule(wanted);
    for (const def of await session.modules()) {
      if (!def.commands) continue;
      const cli = new Command(def.name).description(def.summary);
      // Set before the module sees it, so a module can add top-level commands (`say`, `hass`).
      cli.parent = program;
      def.commands(cli, {
        async load() {
          const runtime = await session.runtime();
          const { moduleContext } = await import("../../core/runtime.ts");
          return { ctx: moduleContext(runtime, def.name), config: runtime.config[def.name] as never };
        },
        output,
      });
      // A module with no subcommands of its own would only add noise to --help.
      if (cli.commands.length > 0) program.addCommand(cli);
    }
  }
  if (builtIns) (await import("./completion.ts")).registerCompletion(program);
  return program;
}

/** Runs the CLI and returns the exit code; every error is reported here, once. */
export async function run(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const session = new CliSession({ env });
  try {
    const program = await buildProgram(session, argv);
    // Every command, modules' included, reports usage errors here instead of exiting.
    const override = (command: Command) => {
      command.exitOverride().showHelpAfterError("(add --help for usage)");
      for (const sub of command.commands) override(sub);
    };
    override(program);
    await program.parseAsync([...argv], { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit with 0 through here; usage errors were already printed.
      return error.exitCode === 0 ? 0 : ExitCode.usage;
    }
    if (isUserError(error)) {
      process.stderr.write(`deskhub: ${scrub(error.message)}\n`);
      if (error.hint) process.stderr.write(`  ${scrub(error.hint)}\n`);
      return error.code;
    }
    const detail =
      error instanceof Error
        ? env.DESKHUB_DEBUG
          ? (error.stack ?? error.message)
          : error.message
        : String(error);
    process.stderr.write(
      `deskhub: unexpected error: ${scrub(detail)}\n  (a bug; DESKHUB_DEBUG=1 shows where)\n`,
    );
    return ExitCode.software;
  }
}
