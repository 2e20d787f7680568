import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { CliApp } from "../../../core/module.ts";
import type { FilesConfig } from "../config.ts";
import { openExternally } from "../open.ts";
import { changed, cleanupStore } from "./cleanup.ts";
import type { SortMethod } from "./fre-store.ts";
import { knownLists, readStore, resolveList, writeStore } from "./lists.ts";
import { importXbel, readXbel } from "./xbel.ts";

/*
 * What `deskhub recent ...` does; loaded only when one of those commands runs.
 */

type App = CliApp<FilesConfig>;
const now = () => Date.now() / 1000;

/** `~/x` for paths under HOME: what a person reads in a menu. */
function shown(path: string, home: string): string {
  return path === home || path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

export async function add(app: App, paths: string[], opts: { list?: string }): Promise<void> {
  const { ctx, config } = await app.load();
  const list = resolveList(opts.list, config.recent, ctx.paths);
  const absolute = paths.map((path) => resolve(path));
  for (const path of absolute) {
    if (!(await stat(path).catch(() => undefined))) {
      throw new UserError(`${path} does not exist`, {
        code: ExitCode.usage,
        hint: "record only files that are there",
      });
    }
  }
  const t = now();
  const store = await readStore(list.path, t, config.recent.half_life);
  store.rebaseIfOld(t);
  for (const path of absolute) store.add(path, t);
  await writeStore(list.path, store);
}

export async function list(
  app: App,
  opts: { list?: string; sort: SortMethod; limit?: number; stat?: boolean; json?: boolean },
): Promise<void> {
  const { ctx, config } = await app.load();
  const where = resolveList(opts.list, config.recent, ctx.paths);
  const t = now();
  const store = await readStore(where.path, t, config.recent.half_life);
  const items = store.sorted(opts.sort).slice(0, opts.limit && opts.limit > 0 ? opts.limit : undefined);
  if (opts.json) {
    app.output.json(
      items.map((item) => ({
        path: item.item,
        score: store.score(item, t),
        accesses: item.num_accesses,
        last_access: new Date(store.lastAccess(item) * 1000).toISOString(),
      })),
    );
    return;
  }
  for (const item of items) {
    if (!opts.stat) app.output.line(item.item);
    else if (opts.sort === "frecent") app.output.line(`${store.score(item, t).toFixed(3)}\t${item.item}`);
    else if (opts.sort === "recent")
      app.output.line(`${((t - store.lastAccess(item)) / 3600).toFixed(3)}\t${item.item}`);
    else app.output.line(`${item.num_accesses}\t${item.item}`);
  }
}

export async function open(app: App, opts: { list?: string; query?: string }): Promise<void> {
  const { ctx, config } = await app.load();
  const where = resolveList(opts.list, config.recent, ctx.paths);
  const store = await readStore(where.path, now(), config.recent.half_life);
  if (store.items.length === 0) {
    throw new UserError(`the list ${where.name} is empty (${where.path})`, {
      code: ExitCode.dataErr,
      hint: "record files with: deskhub recent add PATH",
    });
  }
  const home = ctx.paths.home || homedir();
  const { showMenu } = await import("../../../desktop/menu.ts");
  const choice = await showMenu(
    store.sorted("frecent").map((item) => ({ label: shown(item.item, home), value: item.item })),
    {
      prompt: `recent ${where.name}`,
      backend: config.menu,
      env: ctx.env,
      ...(opts.query ? { filter: opts.query } : {}),
    },
  );
  if (choice === undefined) return;
  if (!(await stat(choice).catch(() => undefined))) {
    throw new UserError(`${choice} no longer exists`, {
      code: ExitCode.dataErr,
      hint: `drop missing files with: deskhub recent cleanup --list ${where.name} --apply`,
    });
  }
  await openExternally(config.open_command, choice, ctx.env);
  const t = now();
  const fresh = await readStore(where.path, t, config.recent.half_life);
  fresh.rebaseIfOld(t);
  fresh.add(choice, t);
  await writeStore(where.path, fresh);
  app.output.line(choice);
}

export async function cleanup(
  app: App,
  opts: { list?: string; all?: boolean; keep?: number; apply?: boolean; json?: boolean },
): Promise<void> {
  const { ctx, config } = await app.load();
  const keep = opts.keep ?? config.recent.keep;
  const lists = opts.all
    ? await knownLists(config.recent, ctx.paths)
    : [resolveList(opts.list, config.recent, ctx.paths)];
  const reports = [];
  for (const where of lists) {
    const t = now();
    const store = await readStore(where.path, t, config.recent.half_life);
    const report = await cleanupStore(store, { keep, now: t });
    if (opts.apply && changed(report)) await writeStore(where.path, store);
    reports.push({
      list: where.name,
      path: where.path,
      applied: Boolean(opts.apply && changed(report)),
      ...report,
    });
  }
  if (opts.json) {
    app.output.json(reports);
    return;
  }
  const verb = opts.apply ? "" : "would ";
  for (const report of reports) {
    app.output.line(
      `${report.list} (${report.path}): ${verb}remove ${report.removed.length} missing, ` +
        `${verb}merge ${report.merged.reduce((n, m) => n + m.from.length, 0)} symlinked duplicates, ` +
        `${verb}drop ${report.truncated.length} past the best ${keep || "all"}; ${report.after} of ${report.before} left`,
    );
    for (const path of report.removed) app.output.line(`  - gone     ${path}`);
    for (const merge of report.merged)
      app.output.line(`  = merged   ${merge.from.join(", ")} -> ${merge.into}`);
    for (const path of report.truncated) app.output.line(`  - dropped  ${path}`);
  }
  if (!opts.apply && reports.some(changed)) app.output.line("(dry run: add --apply to write this)");
}

export async function importDesktop(
  app: App,
  opts: { list?: string; from?: string; json?: boolean },
): Promise<void> {
  const { ctx, config } = await app.load();
  const where = resolveList(opts.list, config.recent, ctx.paths);
  const file = opts.from ?? (config.recent.xbel_file || join(ctx.paths.xdgDataHome, "recently-used.xbel"));
  const t = now();
  const store = await readStore(where.path, t, config.recent.half_life);
  store.rebaseIfOld(t);
  const added = importXbel(store, await readXbel(file), t);
  if (added.length > 0) await writeStore(where.path, store);
  if (opts.json) app.output.json({ list: where.name, from: file, added });
  else app.output.line(`${added.length} visits from ${file} recorded in ${where.name}`);
}
