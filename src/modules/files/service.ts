import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { errorMessage } from "../../core/errors.ts";
import type { Service, ServiceContext } from "../../core/module.ts";
import { openVault } from "./bookmarks/setup.ts";
import type { FilesConfig } from "./config.ts";
import { changed, cleanupStore } from "./recent/cleanup.ts";
import { knownLists, readStore, resolveList, writeStore } from "./recent/lists.ts";
import { importXbel, readXbel } from "./recent/xbel.ts";

const now = () => Date.now() / 1000;

export const ENTITIES = {
  recentItems: "files.recent_items",
  lastCleanup: "files.recent_last_cleanup",
  cleanup: "files.recent_cleanup",
  bookmarksDb: "files.bookmarks_database",
} as const;

/**
 * The daemon's part: cleans every recent list on a timer, follows recently-used.xbel when
 * asked to, finishes an interrupted bookmark switch at start, and puts the default list's
 * size and the bookmark database in use into the store (so Home Assistant can switch it).
 */
export function filesService(ctx: ServiceContext, config: FilesConfig): Service {
  const timers: NodeJS.Timeout[] = [];
  let pending: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const vault = openVault(config.bookmarks, ctx.env, ctx.paths);
  const defaultList = resolveList(undefined, config.recent, ctx.paths);

  async function publishRecent(): Promise<void> {
    const store = await readStore(defaultList.path, now(), config.recent.half_life);
    ctx.store.set(ENTITIES.recentItems, store.items.length, {
      list: defaultList.name,
      path: defaultList.path,
    });
  }

  async function cleanupAll(): Promise<unknown> {
    const results = [];
    for (const list of await knownLists(config.recent, ctx.paths)) {
      const t = now();
      const store = await readStore(list.path, t, config.recent.half_life);
      const report = await cleanupStore(store, { keep: config.recent.keep, now: t });
      if (changed(report)) await writeStore(list.path, store);
      results.push({
        list: list.name,
        removed: report.removed.length,
        merged: report.merged.length,
        truncated: report.truncated.length,
      });
    }
    ctx.store.set(ENTITIES.lastCleanup, new Date().toISOString(), { lists: results });
    await publishRecent();
    return results;
  }

  async function publishBookmarks(): Promise<void> {
    const state = await vault.state();
    const names = state.databases.map((db) => db.name);
    if (names.length > 0) {
      ctx.store.define({
        id: ENTITIES.bookmarksDb,
        kind: "select",
        name: "Bookmark database",
        icon: "mdi:bookmark-multiple",
        options: names,
        command: "files.bookmarks_use",
      });
    } else {
      ctx.store.define({
        id: ENTITIES.bookmarksDb,
        kind: "sensor",
        name: "Bookmark database",
        icon: "mdi:bookmark-multiple",
      });
    }
    ctx.store.set(ENTITIES.bookmarksDb, state.active ?? null, { dir: state.dir, unnamed: state.unnamed });
  }

  async function importDesktopRecent(file: string): Promise<void> {
    const t = now();
    const store = await readStore(defaultList.path, t, config.recent.half_life);
    store.rebaseIfOld(t);
    const added = importXbel(store, await readXbel(file), t);
    if (added.length > 0) {
      await writeStore(defaultList.path, store);
      ctx.log.info({ added: added.length, from: file }, "recent files imported from the desktop");
      await publishRecent();
    }
  }

  // Each part's last failure, so one part working again does not hide another's problem.
  const problems = new Map<string, string>();
  const report = () =>
    problems.size ? ctx.health("degraded", [...problems.values()].join("; ")) : ctx.health("ok");

  /** A failed round (a broken store, a missing key) degrades the module; the next may succeed. */
  const guarded = (what: string, work: () => Promise<unknown>) => async () => {
    try {
      await work();
      problems.delete(what);
    } catch (error) {
      ctx.log.warn({ err: error }, `${what} failed`);
      problems.set(what, `${what}: ${errorMessage(error)}`);
    }
    report();
  };

  return {
    async start() {
      ctx.store.define({
        id: ENTITIES.recentItems,
        kind: "sensor",
        name: "Recent files",
        icon: "mdi:history",
        unit: "files",
        stateClass: "measurement",
      });
      ctx.store.define({
        id: ENTITIES.lastCleanup,
        kind: "sensor",
        name: "Recent files cleaned",
        deviceClass: "timestamp",
        category: "diagnostic",
      });
      ctx.store.define({
        id: ENTITIES.cleanup,
        kind: "button",
        name: "Clean up recent files",
        icon: "mdi:broom",
        command: "files.recent_cleanup",
      });
      ctx.store.command({
        id: "files.recent_cleanup",
        summary: "drop missing and duplicate recent files, keep the best",
        args: z.object({}).loose(),
        handler: () => cleanupAll(),
      });
      ctx.store.command({
        id: "files.bookmarks_use",
        summary: "switch the bookmark database buku uses",
        args: z.object({ value: z.string().min(1) }),
        handler: async ({ value }) => {
          const result = await vault.use(value);
          await publishBookmarks();
          return result;
        },
      });

      await guarded("bookmarks", async () => {
        try {
          for (const action of await vault.recover()) ctx.log.warn(`bookmarks: ${action}`);
        } finally {
          await publishBookmarks();
        }
      })();
      await guarded("recent files", publishRecent)();

      if (config.recent.cleanup_interval > 0) {
        // The same round picks up databases made from the command line meanwhile.
        const cleanup = guarded("recent cleanup", cleanupAll);
        const bookmarks = guarded("bookmarks", publishBookmarks);
        const run = async () => {
          await cleanup();
          await bookmarks();
        };
        timers.push(setTimeout(run, 5_000).unref());
        timers.push(setInterval(run, config.recent.cleanup_interval * 1000).unref());
      }
      if (config.recent.xbel) {
        const file = config.recent.xbel_file || join(ctx.paths.xdgDataHome, "recently-used.xbel");
        const run = guarded("recently-used.xbel import", () => importDesktopRecent(file));
        await run();
        // GTK replaces the file by rename: watch its directory, and let a burst settle.
        try {
          watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
            if (name !== basename(file)) return;
            clearTimeout(pending);
            pending = setTimeout(run, 1_000);
          });
          watcher.on("error", (error) => {
            problems.set("watch", `watching ${file}: ${error.message}`);
            report();
          });
        } catch (error) {
          problems.set("watch", `cannot watch ${file}: ${errorMessage(error)}`);
          report();
        }
      }
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      clearTimeout(pending);
      watcher?.close();
    },
  };
}
