/** What kind of desktop session deskhub runs in, so adapters pick a program that can show itself. */
export interface DesktopSession {
  /** The graphical display server, if any. */
  display: "wayland" | "x11" | undefined;
  /** A terminal is attached, so a terminal program (fzf) can take over it. */
  tty: boolean;
  /** `XDG_CURRENT_DESKTOP`, e.g. `sway` or `GNOME`, lowercased. */
  desktop: string | undefined;
}

export interface TtyState {
  stdin: boolean;
  stderr: boolean;
}

function currentTty(): TtyState {
  return { stdin: Boolean(process.stdin.isTTY), stderr: Boolean(process.stderr.isTTY) };
}

/**
 * Reads the session from the environment the way desktop programs do: a Wayland
 * compositor sets WAYLAND_DISPLAY (XWayland also sets DISPLAY, so Wayland wins), an X
 * server sets DISPLAY. A command typed in a terminal has stdin and stderr on a TTY; one
 * bound to a key in the compositor has neither.
 */
export function detectSession(
  env: NodeJS.ProcessEnv = process.env,
  tty: TtyState = currentTty(),
): DesktopSession {
  const display = env.WAYLAND_DISPLAY ? "wayland" : env.DISPLAY ? "x11" : undefined;
  return {
    display,
    tty: tty.stdin && tty.stderr,
    desktop: env.XDG_CURRENT_DESKTOP?.toLowerCase() || undefined,
  };
}
