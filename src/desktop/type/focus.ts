import { which } from "../../core/proc.ts";
import { runTool } from "./run.ts";
import type { PasteChord } from "./typer.ts";

/** Terminal emulators paste with Ctrl+Shift+V; Ctrl+V there is a literal control character. */
const TERMINALS =
  /^(kitty|alacritty|foot|footclient|org\.wezfurlong\.wezterm|wezterm|gnome-terminal(-server)?|org\.gnome\.(terminal|console|ptyxis)|kgx|ptyxis|konsole|org\.kde\.konsole|xterm|uxterm|urxvt|rxvt|st(-256color)?|terminator|tilix|com\.gexperts\.tilix|xfce4-terminal|lxterminal|mate-terminal|qterminal|sakura|terminology|ghostty|com\.mitchellh\.ghostty|warp|tabby|hyper|contour|blackbox|com\.raggesilver\.blackbox)$/i;

export function isTerminal(appClass: string): boolean {
  return TERMINALS.test(appClass.trim());
}

interface SwayNode {
  focused?: boolean;
  app_id?: string | null;
  window_properties?: { class?: string };
  nodes?: SwayNode[];
  floating_nodes?: SwayNode[];
}

function focusedInTree(node: SwayNode): string | undefined {
  if (node.focused) return node.app_id ?? node.window_properties?.class;
  for (const child of [...(node.nodes ?? []), ...(node.floating_nodes ?? [])]) {
    const found = focusedInTree(child);
    if (found) return found;
  }
  return undefined;
}

/** `WM_CLASS(STRING) = "instance", "Class"` as xprop prints it: the class. */
export function parseWmClass(xprop: string): string | undefined {
  const names = [...xprop.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  return names.at(-1) || undefined;
}

async function x11FocusedClass(xdotool: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const run = (args: string[]) => runTool(xdotool, args, { env, timeoutMs: 1000 });
  // The active window comes from the window manager (EWMH); without one, the X input focus.
  const id = (await run(["getactivewindow"]).catch(() => run(["getwindowfocus"]))).trim();
  if (!id) return undefined;
  // getwindowclassname is newer than Debian's xdotool 3.20160805; xprop reads WM_CLASS anywhere.
  const byXdotool = await run(["getwindowclassname", id]).catch(() => undefined);
  if (byXdotool?.trim()) return byXdotool.trim();
  const xprop = await which("xprop", env);
  return xprop
    ? parseWmClass(await runTool(xprop, ["-id", id, "WM_CLASS"], { env, timeoutMs: 1000 }))
    : undefined;
}

/** The focused window's application class (X11 WM_CLASS, Wayland app_id), when it can be known. */
export async function focusedAppClass(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    if (env.HYPRLAND_INSTANCE_SIGNATURE) {
      const hyprctl = await which("hyprctl", env);
      if (hyprctl) {
        const window = JSON.parse(
          await runTool(hyprctl, ["activewindow", "-j"], { env, timeoutMs: 1000 }),
        ) as {
          class?: string;
        };
        return window.class || undefined;
      }
    }
    if (env.SWAYSOCK) {
      const swaymsg = await which("swaymsg", env);
      if (swaymsg) {
        return focusedInTree(
          JSON.parse(await runTool(swaymsg, ["-t", "get_tree"], { env, timeoutMs: 1000 })),
        );
      }
    }
    if (env.DISPLAY) {
      const xdotool = await which("xdotool", env);
      if (xdotool) return await x11FocusedClass(xdotool, env);
    }
  } catch {
    // No focused window, or the compositor's tool failed: fall back to the default chord.
  }
  return undefined;
}

export async function resolvePasteChord(
  chord: PasteChord,
  env: NodeJS.ProcessEnv,
): Promise<Exclude<PasteChord, "auto">> {
  if (chord !== "auto") return chord;
  const appClass = await focusedAppClass(env);
  return appClass && isTerminal(appClass) ? "ctrl+shift+v" : "ctrl+v";
}
