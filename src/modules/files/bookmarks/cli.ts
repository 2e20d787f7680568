import type { Command } from "commander";
import type { CliApp } from "../../../core/module.ts";
import type { FilesConfig } from "../config.ts";
import { wholeNumber } from "../count-option.ts";

/** Every command starts with this file; what the commands do loads when one runs. */
const actions = () => import("./actions.ts");

function example(command: Command, text: string): Command {
  return command.addHelpText("after", `\nExample:\n  ${text}`);
}

const TAG_HELP = 'only these tags: "a, b" any, "a + b" all, " - c" excludes';

export function registerBookmarks(program: Command, app: CliApp<FilesConfig>): void {
  const bookmarks = program
    .command("bookmarks")
    .description("buku bookmark databases: open, add and search; switch databases, kept encrypted with age");

  example(
    bookmarks
      .command("open")
      .description("choose a bookmark (title, URL, tags) in the menu and open it in the browser")
      .argument("[keyword...]", "only bookmarks matching any of these (as buku searches)")
      .option("-t, --tag <query>", TAG_HELP)
      .option("-q, --query <text>", "open the best match for this text without showing a menu"),
    "deskhub bookmarks open --tag work",
  ).action(async (keywords: string[], opts) => (await actions()).open(app, keywords, opts));

  example(
    bookmarks
      .command("add")
      .description(
        "bookmark a URL in the database in use (the title is fetched when not given, as buku does)",
      )
      .argument("<url>", "the address")
      .option("--title <title>", "the title (otherwise the page's)")
      .option("-t, --tag <tags>", "comma-separated tags")
      .option("-c, --comment <text>", "a description")
      .option("--immutable", "never refresh the title from the web (buku --immutable 1)")
      .option("--no-fetch", "do not fetch the page")
      .option("--json", "machine-readable output"),
    'deskhub bookmarks add https://docs.python.org/3/ --tag python,docs --title "Python docs"',
  ).action(async (url: string, opts) => (await actions()).add(app, url, opts));

  example(
    bookmarks
      .command("search")
      .description("find bookmarks whose URL, title, tags or description match (as buku does)")
      .argument("[keyword...]", "words to find; any of them unless --all")
      .option("-a, --all", "every keyword must match")
      .option("--deep", "match inside words too")
      .option("-t, --tag <query>", TAG_HELP)
      .option("-n, --limit <n>", "at most this many", wholeNumber)
      .option("--json", "machine-readable output"),
    "deskhub bookmarks search python --tag docs",
  ).action(async (keywords: string[], opts) => (await actions()).search(app, keywords, opts));

  example(
    bookmarks
      .command("use")
      .description("switch the database buku uses; the one left is encrypted, the chosen one decrypted")
      .argument("<name>", "a database in buku's directory (work, personal, ...)")
      .option("--create", "start an empty database if there is none of that name")
      .option("--json", "machine-readable output"),
    "deskhub bookmarks use work",
  ).action(async (name: string, opts) => (await actions()).use(app, name, opts));

  example(
    bookmarks
      .command("list")
      .description("the bookmark databases, which one is in use, and how many bookmarks it has")
      .option("--json", "machine-readable output"),
    "deskhub bookmarks list",
  ).action(async (opts) => (await actions()).list(app, opts));
}
