import { errorMessage } from "../../core/errors.ts";
import type { CliApp } from "../../core/module.ts";
import { openVault } from "./bookmarks/setup.ts";
import type { FilesConfig } from "./config.ts";
import { knownLists, readStore } from "./recent/lists.ts";

/** `deskhub files status`: where the lists and bookmark databases are, read-only. */
export async function status(app: CliApp<FilesConfig>, opts: { json?: boolean }): Promise<void> {
  const { ctx, config } = await app.load();
  const t = Date.now() / 1000;
  const lists = [];
  for (const list of await knownLists(config.recent, ctx.paths)) {
    const entry = { ...list, default: list.name === config.recent.default_list };
    try {
      lists.push({
        ...entry,
        items: (await readStore(list.path, t, config.recent.half_life)).items.length,
      });
    } catch (error) {
      lists.push({ ...entry, items: null, error: errorMessage(error) });
    }
  }
  const bookmarks = await openVault(config.bookmarks, ctx.env, ctx.paths).state();
  if (opts.json) {
    app.output.json({ recent: lists, bookmarks });
    return;
  }
  app.output.line("recent lists:");
  for (const list of lists) {
    const what = "error" in list ? `unreadable: ${list.error}` : `${list.items} entries`;
    app.output.line(`  ${list.default ? "*" : " "} ${list.name}  ${what}  ${list.path}`);
  }
  if (lists.length === 0) app.output.line("  (none yet: deskhub recent add PATH starts one)");
  app.output.line(`bookmark databases in ${bookmarks.dir}:`);
  if (bookmarks.unnamed) app.output.line(`  * bookmarks.db (in use, not named yet)`);
  for (const db of bookmarks.databases) {
    app.output.line(
      `  ${db.active ? "*" : " "} ${db.name}  ${db.active ? "in use" : db.encrypted ? "encrypted" : "plaintext"}`,
    );
  }
  if (!bookmarks.unnamed && bookmarks.databases.length === 0) app.output.line("  (none)");
}
