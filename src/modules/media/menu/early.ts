import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { configSources, readOrNull } from "../../../core/config/files.ts";
import { packageInfo } from "../../../core/package-info.ts";
import { resolvePaths } from "../../../core/paths.ts";
import type { MenuRows } from "../../../desktop/menu/rows.ts";
import { type OpenedMenu, openMenu, type PreparedMenu } from "../../../desktop/menu/run.ts";
import { DB_FILE } from "../db.ts";

/**
 * The whole-library menu (`deskhub media menu --open everything`, the one a key binding
 * opens), started before the rest of deskhub has loaded. A run that builds that menu
 * keeps what it started, the program, its arguments, its input and the rows behind it,
 * in jf_menu; the next run of the same command line, with the same environment and
 * config files, starts it from there at once, and the CLI that loads meanwhile only
 * reads the answer. jf_menu's triggers drop the copy along with the rows whenever an
 * item a menu shows changes, and deskhub makes it again after its own changes (kept.ts).
 * Posters fetched since change nothing: the menu names their files before they are
 * there (Thumbnails.named).
 *
 * This file is imported before the CLI: it loads nothing but what it needs.
 */
export interface EarlyMenu {
  /** The name this command line's menu is kept under; set whenever the command is one to keep. */
  key: string;
  /** The menu started from the kept copy, and the rows it shows. */
  opened?: { menu: OpenedMenu; rows: MenuRows } | undefined;
}

interface Header {
  menu: Omit<PreparedMenu, "input">;
  input: number;
}

let early: EarlyMenu | undefined;

/** What `openEarlyMenu` found or started, once: the launcher takes it over. */
export function takeEarlyMenu(): EarlyMenu | undefined {
  const taken = early;
  early = undefined;
  return taken;
}

/** Closes a menu started here that the CLI never took over (it failed before the launcher ran). */
export async function abandonEarlyMenu(): Promise<void> {
  const menu = takeEarlyMenu()?.opened?.menu;
  menu?.close();
  await menu?.run.catch(() => {});
}

/** The backend a command line asks for, when it is `--open everything` and nothing else this file cannot judge. */
function parse(args: readonly string[]): { backend: string } | undefined {
  let backend = "";
  let open: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const equals = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = equals > 0 ? arg.slice(0, equals) : arg;
    const value = equals > 0 ? arg.slice(equals + 1) : args[++i];
    if (value === undefined) return undefined;
    if (flag === "--backend") backend = value;
    else if (flag === "--open") open = value;
    else return undefined;
  }
  return open === "everything" ? { backend } : undefined;
}

/** Set by a shell for each command and nothing deskhub reads: they must not make every run a miss. */
const VOLATILE = new Set(["_", "PWD", "OLDPWD", "SHLVL"]);

/**
 * Everything the menu could come out differently for: deskhub's version, the backend
 * asked for, the environment (the session, PATH, the config overlay) and the config files.
 */
function keyFor(backend: string, env: NodeJS.ProcessEnv): string {
  const hash = createHash("sha256").update(`${packageInfo().version}\0${backend}`);
  for (const name of Object.keys(env).sort()) {
    if (!VOLATILE.has(name)) hash.update(`\0${name}=${env[name]}`);
  }
  for (const file of configSources(resolvePaths(env), hostname())) hash.update(`\0${readOrNull(file)}`);
  return `menu:${hash.digest("hex").slice(0, 32)}`;
}

/** The stored form: a JSON header line, the menu's input, the rows. */
export function packEarlyMenu(menu: PreparedMenu, rows: MenuRows): Buffer {
  const { input, ...program } = menu;
  const bytes = typeof input === "string" ? Buffer.from(input) : input;
  const header: Header = { menu: program, input: bytes.length };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), bytes, rows]);
}

function unpack(blob: Uint8Array): { header: Header; input: Buffer; rows: MenuRows } {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const newline = bytes.indexOf(0x0a);
  const header = JSON.parse(bytes.toString("utf8", 0, newline)) as Header;
  const start = newline + 1;
  return {
    header,
    input: bytes.subarray(start, start + header.input),
    rows: bytes.subarray(start + header.input),
  };
}

/** The kept menu, read without the cache's migrations: a database too old or busy is only a miss. */
function readKept(dataDir: string, key: string): Uint8Array | undefined {
  const db = new DatabaseSync(join(dataDir, DB_FILE), { readOnly: true });
  try {
    const row = db.prepare("SELECT lines FROM jf_menu WHERE name = ?").get(key) as
      | { lines: Uint8Array }
      | undefined;
    return row?.lines instanceof Uint8Array ? row.lines : undefined;
  } finally {
    db.close();
  }
}

/**
 * For `deskhub media menu ARGS`: starts the kept menu when there is a current one and
 * returns once the menu has its input. Never throws: on any doubt the CLI builds the
 * menu as always.
 */
export async function openEarlyMenu(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  try {
    const choice = parse(args);
    if (!choice) return;
    const key = keyFor(choice.backend, env);
    early = { key };
    const blob = readKept(resolvePaths(env).dataDir, key);
    if (!blob) return;
    const { header, input, rows } = unpack(blob);
    const menu = openMenu({ ...header.menu, input }, env);
    early.opened = { menu, rows };
    await Promise.race([menu.written, menu.run.catch(() => {})]);
  } catch {
    // Whatever went wrong here, the CLI finds out for itself and says so.
  }
}
