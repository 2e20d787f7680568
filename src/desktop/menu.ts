import { ExitCode, UserError } from "../core/errors.ts";
import { backendSpec, type MenuBackendName } from "./menu/backends.ts";
import { type MenuBackendChoice, resolveBackend } from "./menu/detect.ts";
import { encodeRows, type MenuRows, rowItems, rowValue } from "./menu/rows.ts";
import {
  looksLikeFailure,
  type MenuRun,
  type OpenedMenu,
  openMenu,
  type PreparedMenu,
  runMenuProgram,
} from "./menu/run.ts";

export type { MenuBackendName } from "./menu/backends.ts";
export { clean, MENU_BACKENDS, needsCleaning } from "./menu/backends.ts";
export type { MenuBackendChoice } from "./menu/detect.ts";
export { backendChain, isMenuBackend, resolveBackend } from "./menu/detect.ts";
export { type MenuRow, type MenuRows, packRows, rowIcons } from "./menu/rows.ts";
export type { OpenedMenu, PreparedMenu } from "./menu/run.ts";

export interface MenuItem<T> {
  label: string;
  value: T;
  /** An image path; shown where the menu can (rofi, fuzzel, wofi). */
  icon?: string;
  /** Extra words that match the filter: hidden keywords in rofi, a dimmed column in fzf. */
  meta?: string;
}

export interface MenuOptions {
  prompt: string;
  /** Which program; `auto` (the default) picks from the session. */
  backend?: MenuBackendChoice;
  /** The environment the menu runs in and is detected from (DISPLAY, WAYLAND_DISPLAY, PATH). */
  env?: NodeJS.ProcessEnv;
  /**
   * Answers without a user: fzf in `--filter` mode picks the best match for this text.
   * Scripts and tests use it; no window or terminal is needed.
   */
  filter?: string;
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean)
      .at(-1) ?? ""
  );
}

function failure(name: MenuBackendName, run: MenuRun): UserError {
  const detail = lastLine(run.stderr);
  return new UserError(`the menu (${name}) failed with exit code ${run.code}${detail ? `: ${detail}` : ""}`, {
    code: ExitCode.unavailable,
    hint:
      name === "fzf"
        ? "fzf needs a terminal; from a key binding use a graphical menu (rofi, fuzzel, wofi)"
        : "check that the graphical session is reachable (DISPLAY or WAYLAND_DISPLAY) or choose another menu backend",
  });
}

async function pickProgram(options: MenuOptions, env: NodeJS.ProcessEnv) {
  return options.filter !== undefined
    ? resolveBackend("fzf", env)
    : resolveBackend(options.backend ?? "auto", env);
}

function prepare(
  program: { name: MenuBackendName; path: string },
  input: { text: string | Uint8Array; count: number; icons: boolean },
  options: Pick<MenuOptions, "prompt" | "filter">,
): PreparedMenu {
  const spec = backendSpec(program.name);
  return {
    name: program.name,
    path: program.path,
    args: spec.args({ prompt: options.prompt, icons: input.icons, filter: options.filter }),
    terminal: spec.terminal && options.filter === undefined,
    input: input.text,
    count: input.count,
  };
}

/** The index the user chose in an opened menu, or undefined on a cancel. */
export async function menuAnswer(menu: OpenedMenu): Promise<number | undefined> {
  const run = await menu.run;
  const spec = backendSpec(menu.name);
  if (run.code === 0) return spec.decode(run.stdout, menu.count);
  if (spec.cancelCodes.includes(run.code) && !looksLikeFailure(run.stderr)) return undefined;
  throw failure(menu.name, run);
}

/**
 * Shows a menu and returns the chosen item's value, or undefined when the user closed
 * it (Esc) or there was nothing to choose from.
 */
export async function showMenu<T>(items: Array<MenuItem<T>>, options: MenuOptions): Promise<T | undefined> {
  if (items.length === 0) return undefined;
  const env = options.env ?? process.env;
  const program = await pickProgram(options, env);
  const encoded = backendSpec(program.name).encode(items);
  const text = `${encoded.join("\n")}\n`;
  const icons = items.some((item) => item.icon);
  const menu = prepare(program, { text, count: encoded.length, icons }, options);
  const index = await menuAnswer(openMenu(menu, env));
  return index === undefined ? undefined : items[index]!.value;
}

/**
 * Rows as a menu program's whole input, for the programs that take them as bytes (rofi,
 * fzf); undefined for the others. What `showRows` starts, and what a caller that keeps
 * a menu for later builds again once the rows have changed.
 */
export function prepareRows(
  program: { name: MenuBackendName; path: string },
  rows: MenuRows,
  options: Pick<MenuOptions, "prompt" | "filter"> & { icon: (key: string) => string | undefined },
): PreparedMenu | undefined {
  const encoded = encodeRows(program.name, rows, options.icon);
  return encoded && prepare(program, encoded, options);
}

export interface RowsOptions extends MenuOptions {
  icon: (key: string) => string | undefined;
  /** This menu, already open on these rows (started before the caller had loaded): only its answer is read. */
  opened?: OpenedMenu | undefined;
  /** Called with what was started, for a caller that keeps it to start it again next time. */
  onOpen?: ((menu: PreparedMenu, opened: OpenedMenu) => void) | undefined;
}

/**
 * `showMenu` for rows packed in one buffer (see menu/rows.ts): the chosen row's value.
 * rofi and fzf get the bytes as they are; the other programs get the rows as items.
 */
export async function showRows(rows: MenuRows, options: RowsOptions): Promise<string | undefined> {
  if (rows.length === 0) return undefined;
  const chosen = (index: number | undefined) => (index === undefined ? undefined : rowValue(rows, index));
  if (options.opened) return chosen(await menuAnswer(options.opened));
  const env = options.env ?? process.env;
  const program = await pickProgram(options, env);
  const menu = prepareRows(program, rows, options);
  if (!menu) return showMenu(rowItems(rows, options.icon), options);
  const opened = openMenu(menu, env);
  options.onOpen?.(menu, opened);
  return chosen(await menuAnswer(opened));
}

function askArgs(name: MenuBackendName, prompt: string): string[] {
  switch (name) {
    case "rofi":
      return ["-dmenu", "-p", prompt, "-lines", "0"];
    case "fuzzel":
      return ["--dmenu", "--prompt", `${prompt}> `, "--lines", "0"];
    case "wofi":
      return ["--dmenu", "--prompt", prompt, "--lines", "1"];
    case "dmenu":
      return ["-p", prompt];
    case "fzf":
      return [
        "--print-query",
        "--prompt",
        `${prompt}> `,
        "--layout",
        "reverse",
        "--height",
        "3",
        "--info",
        "hidden",
      ];
  }
}

/**
 * Asks for a line of text (a search query) with the same menu program, so a search
 * typed from a key binding stays in the launcher. Returns undefined on cancel or an
 * empty answer; with `filter` the answer is that text.
 */
export async function askText(options: MenuOptions): Promise<string | undefined> {
  if (options.filter !== undefined) return options.filter.trim() || undefined;
  const env = options.env ?? process.env;
  const program = await resolveBackend(options.backend ?? "auto", env);
  const run = await runMenuProgram(program.path, askArgs(program.name, options.prompt), "", {
    env,
    terminal: program.name === "fzf",
  });
  // fzf with nothing to match exits 1 but has printed the query on the first line.
  const answered = run.code === 0 || (program.name === "fzf" && run.code === 1);
  if (answered) return run.stdout.split("\n", 1)[0]?.trim() || undefined;
  if ((run.code === 1 || run.code === 130) && !looksLikeFailure(run.stderr)) return undefined;
  throw failure(program.name, run);
}
