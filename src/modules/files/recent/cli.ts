import { type Command, Option } from "commander";
import type { CliApp } from "../../../core/module.ts";
import type { FilesConfig } from "../config.ts";
import { wholeNumber } from "../count-option.ts";

/** Every command starts with this file; what the commands do loads when one runs. */
const actions = () => import("./actions.ts");

function example(command: Command, text: string): Command {
  return command.addHelpText("after", `\nExample:\n  ${text}`);
}

const listOption = () =>
  new Option("-l, --list <name>", "which list (a store in files.recent.lists_dir, or fre)");

export function registerRecent(program: Command, app: CliApp<FilesConfig>): void {
  const recent = program
    .command("recent")
    .description("recently used files, ranked by frecency in fre-compatible stores");

  example(
    recent
      .command("add")
      .description("record a visit to files or directories")
      .argument("<path...>", "files or directories (relative paths are taken from here)")
      .addOption(listOption()),
    "deskhub recent add ~/Documents/taxes-2024.pdf",
  ).action(async (paths: string[], opts) => (await actions()).add(app, paths, opts));

  example(
    recent
      .command("list")
      .description("the list, best first (like fre --sorted)")
      .addOption(listOption())
      .addOption(
        new Option("-s, --sort <method>", "order")
          .choices(["frecent", "recent", "frequent"])
          .default("frecent"),
      )
      .option("-n, --limit <n>", "at most this many", wholeNumber)
      .option("--stat", "show the score (or hours since use, or count) before each path, like fre --stat")
      .option("--json", "machine-readable output"),
    "deskhub recent list --limit 10 --stat",
  ).action(async (opts) => (await actions()).list(app, opts));

  example(
    recent
      .command("open")
      .description("choose a recent file in the menu and open it (xdg-open); the visit is recorded")
      .addOption(listOption())
      .option("-q, --query <text>", "open the best match for this text without showing a menu"),
    "deskhub recent open",
  ).action(async (opts) => (await actions()).open(app, opts));

  example(
    recent
      .command("cleanup")
      .description(
        "drop paths that are gone, merge paths that are one file through symlinks, keep the best N",
      )
      .addOption(listOption())
      .option("--all", "every list")
      .option(
        "-k, --keep <n>",
        "entries to keep per list (default: files.recent.keep; 0 keeps all)",
        wholeNumber,
      )
      .option("--apply", "write the result (without it, only show what would change)")
      .option("--json", "machine-readable output"),
    "deskhub recent cleanup --apply",
  ).action(async (opts) => (await actions()).cleanup(app, opts));

  example(
    recent
      .command("import")
      .description("add the files the desktop remembers (GTK's recently-used.xbel) as visits")
      .addOption(listOption())
      .option(
        "--from <file>",
        "an XBEL file (default: files.recent.xbel_file or $XDG_DATA_HOME/recently-used.xbel)",
      )
      .option("--json", "machine-readable output"),
    "deskhub recent import",
  ).action(async (opts) => (await actions()).importDesktop(app, opts));
}
