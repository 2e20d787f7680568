import { ExitCode, UserError } from "../../core/errors.ts";
import { which } from "../../core/proc.ts";
import { type Clipboard, wlClipboard, xclipClipboard, xselClipboard } from "./clipboard.ts";
import { pasteTyper } from "./paste.ts";
import { type KeySender, type TypeOptions, type Typer, UnsupportedText } from "./typer.ts";
import { wtypeTyper } from "./wtype.ts";
import { xdotoolTyper } from "./xdotool.ts";
import { detectYdotoolSyntax, ydotoolTyper } from "./ydotool.ts";

export const TYPE_METHODS = ["auto", "wtype", "ydotool", "xdotool", "clipboard", "stdout"] as const;
export type TypeMethod = (typeof TYPE_METHODS)[number];

type Tool = Typer & KeySender;

async function tools(options: TypeOptions): Promise<{ wtype?: Tool; ydotool?: Tool; xdotool?: Tool }> {
  const { env } = options;
  const [wtype, ydotool, xdotool] = await Promise.all([
    which("wtype", env),
    which("ydotool", env),
    which("xdotool", env),
  ]);
  return {
    wtype: wtype && env.WAYLAND_DISPLAY ? wtypeTyper(wtype, options) : undefined,
    ydotool: ydotool ? ydotoolTyper(ydotool, await detectYdotoolSyntax(ydotool, env), options) : undefined,
    xdotool: xdotool && env.DISPLAY ? xdotoolTyper(xdotool, options) : undefined,
  };
}

async function findClipboard(env: NodeJS.ProcessEnv): Promise<Clipboard | undefined> {
  if (env.WAYLAND_DISPLAY) {
    const [copy, paste] = await Promise.all([which("wl-copy", env), which("wl-paste", env)]);
    if (copy && paste) return wlClipboard(copy, paste, env);
  }
  if (env.DISPLAY) {
    const xclip = await which("xclip", env);
    if (xclip) return xclipClipboard(xclip, env);
    const xsel = await which("xsel", env);
    if (xsel) return xselClipboard(xsel, env);
  }
  return undefined;
}

export function stdoutTyper(stream: NodeJS.WritableStream = process.stdout): Typer {
  return {
    name: "stdout",
    async type(text) {
      await new Promise<void>((resolve) => stream.write(`${text}\n`, () => resolve()));
    },
  };
}

/**
 * Tries each tool in order and moves on when one fails: a tool that cannot run here
 * (wtype on GNOME, ydotool without its daemon) is dropped for good, one that only
 * cannot type this text (ydotool and "é") stays for the next.
 */
export class TyperChain implements Typer {
  #typers: Typer[];
  #onFallback: (from: string, error: Error) => void;

  constructor(typers: Typer[], onFallback: (from: string, error: Error) => void = () => {}) {
    this.#typers = typers;
    this.#onFallback = onFallback;
  }

  get name(): string {
    return this.#typers[0]?.name ?? "none";
  }

  get names(): string[] {
    return this.#typers.map((t) => t.name);
  }

  async type(text: string): Promise<void> {
    const errors: string[] = [];
    for (const typer of [...this.#typers]) {
      try {
        await typer.type(text);
        return;
      } catch (error) {
        errors.push((error as Error).message);
        this.#onFallback(typer.name, error as Error);
        if (!(error instanceof UnsupportedText) && this.#typers.length > 1) {
          this.#typers = this.#typers.filter((t) => t !== typer);
        }
      }
    }
    throw new UserError(`could not type the text: ${errors.join("; ") || "no typing tool"}`, {
      code: ExitCode.unavailable,
      hint: "run `deskhub voice doctor` to see which typing tools work here",
    });
  }
}

/**
 * The typing tool for this session, in the order wtype (Wayland, any Unicode),
 * ydotool, xdotool (X11 only: on Wayland it reaches XWayland windows alone), then
 * clipboard plus paste chord. A configured method uses that tool alone.
 */
export async function createTyper(
  method: TypeMethod,
  options: TypeOptions,
  onFallback?: (from: string, error: Error) => void,
): Promise<TyperChain> {
  if (method === "stdout") return new TyperChain([stdoutTyper()]);
  const found = await tools(options);
  const clipboard = await findClipboard(options.env);
  const keySender = found.wtype ?? found.ydotool ?? found.xdotool;
  const paste = clipboard ? pasteTyper(clipboard, keySender, options) : undefined;
  const xdotool = options.env.WAYLAND_DISPLAY ? undefined : found.xdotool;
  const chosen: Record<Exclude<TypeMethod, "stdout">, Array<Typer | undefined>> = {
    auto: [found.wtype, found.ydotool, xdotool, paste],
    wtype: [found.wtype],
    ydotool: [found.ydotool],
    xdotool: [found.xdotool],
    clipboard: [paste],
  };
  const typers = chosen[method].filter((t): t is Typer => t !== undefined);
  if (typers.length === 0) {
    const session = options.env.WAYLAND_DISPLAY ? "Wayland" : options.env.DISPLAY ? "X11" : "no graphical";
    throw new UserError(
      method === "auto"
        ? `no way to type text in this ${session} session`
        : `${method} cannot type in this ${session} session`,
      {
        code: ExitCode.unavailable,
        hint:
          method === "auto"
            ? "install wtype (Sway, Hyprland), ydotool, xdotool (X11) or wl-clipboard/xclip; or use `deskhub voice listen` to print text"
            : `install ${method === "clipboard" ? "wl-clipboard or xclip" : method}, or set voice.output.method: auto`,
      },
    );
  }
  return new TyperChain(typers, onFallback);
}
