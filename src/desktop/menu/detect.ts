import { ExitCode, UserError } from "../../core/errors.ts";
import { firstAvailable } from "../../core/proc.ts";
import { type DesktopSession, detectSession } from "../session.ts";
import { INSTALL_HINT, MENU_BACKENDS, type MenuBackendName } from "./backends.ts";

export type MenuBackendChoice = MenuBackendName | "auto";

/**
 * The fallback chain for a session. A terminal comes first: a menu typed in a terminal
 * belongs there, and a key binding has no terminal. On Wayland the native launchers come
 * before rofi (which needs XWayland unless it is the rofi-wayland fork).
 */
export function backendChain(session: DesktopSession): MenuBackendName[] {
  const chain: MenuBackendName[] = [];
  if (session.tty) chain.push("fzf");
  if (session.display === "wayland") chain.push("fuzzel", "wofi", "rofi");
  if (session.display === "x11") chain.push("rofi", "dmenu");
  return chain;
}

export function isMenuBackend(name: string): name is MenuBackendName {
  return (MENU_BACKENDS as readonly string[]).includes(name);
}

/** The program to run for a menu, or a UserError that names what is missing. */
export async function resolveBackend(
  choice: MenuBackendChoice,
  env: NodeJS.ProcessEnv,
  session: DesktopSession = detectSession(env),
): Promise<{ name: MenuBackendName; path: string }> {
  if (choice !== "auto") {
    const found = await firstAvailable([choice], env);
    if (!found) {
      throw new UserError(`the menu program "${choice}" is not installed (not found on PATH)`, {
        code: ExitCode.unavailable,
        hint: `install ${INSTALL_HINT[choice]}, or set the menu backend to "auto"`,
      });
    }
    return { name: choice, path: found.path };
  }
  const chain = backendChain(session);
  if (chain.length === 0) {
    throw new UserError(
      "no place to show a menu: no graphical session (WAYLAND_DISPLAY and DISPLAY are unset) and no terminal",
      {
        code: ExitCode.unavailable,
        hint: "run it from a terminal (fzf) or inside a desktop session (rofi, fuzzel, wofi, dmenu)",
      },
    );
  }
  const found = await firstAvailable(chain, env);
  if (!found) {
    const where = session.display
      ? `${session.display === "wayland" ? "Wayland" : "X11"} session`
      : "terminal";
    throw new UserError(`no menu program found for this ${where}: tried ${chain.join(", ")}`, {
      code: ExitCode.unavailable,
      hint: `install one of them (${chain.map((name) => INSTALL_HINT[name]).join(", ")})`,
    });
  }
  return { name: found.program as MenuBackendName, path: found.path };
}
