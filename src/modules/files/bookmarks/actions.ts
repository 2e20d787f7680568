import { existsSync } from "node:fs";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { CliApp, ModuleContext } from "../../../core/module.ts";
import type { FilesConfig } from "../config.ts";
import { openExternally } from "../open.ts";
import { type Bookmark, BukuDb } from "./buku-db.ts";
import { openVault } from "./setup.ts";
import { parseTagQuery } from "./tags.ts";

/*
 * What `deskhub bookmarks ...` does; loaded only when one of those commands runs.
 */

type App = CliApp<FilesConfig>;

/** The database in use, after finishing any interrupted switch. */
async function activeDb(
  ctx: ModuleContext,
  config: FilesConfig,
  options: { create: boolean },
): Promise<BukuDb> {
  const vault = openVault(config.bookmarks, ctx.env, ctx.paths);
  for (const action of await vault.recover()) ctx.log.warn(`bookmarks: ${action}`);
  if (!existsSync(vault.linkPath)) {
    const state = await vault.state();
    if (state.databases.length > 0) {
      throw new UserError("no bookmark database is in use", {
        code: ExitCode.config,
        hint: `choose one: deskhub bookmarks use ${state.databases.map((db) => db.name).join("|")}`,
      });
    }
  }
  return BukuDb.open(vault.linkPath, options);
}

function tagQuery(text: string | undefined) {
  if (text === undefined) return {};
  const tags = parseTagQuery(text);
  if (!tags) {
    throw new UserError(`--tag "${text}" mixes "," (any) and "+" (all)`, {
      code: ExitCode.usage,
      hint: 'use "a, b" for any of them or "a + b" for all of them, as buku --stag does',
    });
  }
  return { tags };
}

function line(bookmark: Bookmark): string {
  const tags = bookmark.tags.length ? `  [${bookmark.tags.join(", ")}]` : "";
  return `${bookmark.id}. ${bookmark.title || bookmark.url}\n   > ${bookmark.url}${tags}`;
}

function menuLabel(bookmark: Bookmark): string {
  const tags = bookmark.tags.map((tag) => `#${tag}`).join(" ");
  return [bookmark.title || bookmark.url, bookmark.title ? bookmark.url : "", tags]
    .filter(Boolean)
    .join("  ");
}

export async function open(
  app: App,
  keywords: string[],
  opts: { tag?: string; query?: string },
): Promise<void> {
  const { ctx, config } = await app.load();
  const filter = tagQuery(opts.tag);
  const db = await activeDb(ctx, config, { create: false });
  let found: Bookmark[];
  try {
    found = db.search(keywords, filter);
  } finally {
    db.close();
  }
  if (found.length === 0) throw new UserError("no bookmark matches", { code: ExitCode.dataErr });
  const { showMenu } = await import("../../../desktop/menu.ts");
  const url = await showMenu(
    found.map((bookmark) => ({
      label: menuLabel(bookmark),
      value: bookmark.url,
      meta: bookmark.description,
    })),
    {
      prompt: "bookmarks",
      backend: config.menu,
      env: ctx.env,
      ...(opts.query ? { filter: opts.query } : {}),
    },
  );
  if (url === undefined) return;
  await openExternally(config.open_command, url, ctx.env);
  app.output.line(url);
}

export async function add(
  app: App,
  url: string,
  opts: {
    title?: string;
    tag?: string;
    comment?: string;
    immutable?: boolean;
    fetch: boolean;
    json?: boolean;
  },
): Promise<void> {
  if (!URL.canParse(url)) {
    throw new UserError(`"${url}" is not a URL`, {
      code: ExitCode.usage,
      hint: "give the full address, e.g. https://example.org/",
    });
  }
  const { ctx, config } = await app.load();
  const wantsPage =
    opts.fetch && config.bookmarks.fetch_titles && (opts.title === undefined || opts.comment === undefined);
  const page = wantsPage ? await (await import("./page-info.ts")).fetchPageInfo(url) : {};
  const db = await activeDb(ctx, config, { create: true });
  try {
    const bookmark = db.add({
      url,
      title: opts.title ?? page.title ?? "",
      tags: opts.tag ? [opts.tag] : [],
      description: opts.comment ?? page.description ?? "",
      immutable: opts.immutable ?? false,
    });
    if (opts.json) app.output.json(bookmark);
    else app.output.line(line(bookmark));
  } finally {
    db.close();
  }
}

export async function search(
  app: App,
  keywords: string[],
  opts: { all?: boolean; deep?: boolean; tag?: string; limit?: number; json?: boolean },
): Promise<void> {
  if (keywords.length === 0 && opts.tag === undefined) {
    throw new UserError("nothing to search for", {
      code: ExitCode.usage,
      hint: "give keywords, --tag, or both",
    });
  }
  const { ctx, config } = await app.load();
  const filter = tagQuery(opts.tag);
  const db = await activeDb(ctx, config, { create: false });
  let found: Bookmark[];
  try {
    found = db.search(keywords, { all: opts.all ?? false, deep: opts.deep ?? false, ...filter });
  } finally {
    db.close();
  }
  if (opts.limit && opts.limit > 0) found = found.slice(0, opts.limit);
  if (opts.json) app.output.json(found);
  else for (const bookmark of found) app.output.line(line(bookmark));
}

export async function use(app: App, name: string, opts: { create?: boolean; json?: boolean }): Promise<void> {
  const { ctx, config } = await app.load();
  const result = await openVault(config.bookmarks, ctx.env, ctx.paths).use(name, {
    create: opts.create ?? false,
  });
  if (opts.json) app.output.json(result);
  else if (!result.changed) app.output.line(`${name} is already in use`);
  else {
    const left = result.from ? ` (${result.from} is ${config.bookmarks.encrypt ? "encrypted" : "kept"})` : "";
    app.output.line(`now using ${name}${left}`);
  }
}

export async function list(app: App, opts: { json?: boolean }): Promise<void> {
  const { ctx, config } = await app.load();
  const vault = openVault(config.bookmarks, ctx.env, ctx.paths);
  for (const action of await vault.recover()) ctx.log.warn(`bookmarks: ${action}`);
  const state = await vault.state();
  let count: number | undefined;
  if (existsSync(vault.linkPath)) {
    const db = await BukuDb.open(vault.linkPath, { create: false });
    count = db.count();
    db.close();
  }
  if (opts.json) {
    app.output.json({ ...state, bookmarks: count ?? null });
    return;
  }
  if (state.unnamed) {
    app.output.line(
      `* (bookmarks.db, not named yet: becomes "${config.bookmarks.first_name}")  ${count ?? 0} bookmarks`,
    );
  }
  for (const db of state.databases) {
    const how = db.active ? `in use, ${count ?? 0} bookmarks` : db.encrypted ? "encrypted" : "plaintext";
    app.output.line(`${db.active ? "*" : " "} ${db.name}  (${how})`);
  }
  if (!state.unnamed && state.databases.length === 0)
    app.output.line(`no bookmark databases in ${state.dir}`);
}
