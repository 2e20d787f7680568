import { ExitCode, UserError } from "../../../core/errors.ts";
import { isMenuBackend, type MenuBackendChoice } from "../../../desktop/menu.ts";
import { takeEarlyMenu } from "../menu/early.ts";
import { Launcher, SECTIONS, type Section } from "../menu/launcher.ts";
import { type App, note, runtimeFor } from "./common.ts";

export async function menuAction(
  app: App,
  options: { backend?: string; filter?: string[]; refresh?: boolean; open?: string },
): Promise<void> {
  if (options.open !== undefined && !(SECTIONS as readonly string[]).includes(options.open)) {
    throw new UserError(`unknown section "${options.open}"`, {
      code: ExitCode.usage,
      hint: `one of: ${SECTIONS.join(", ")}`,
    });
  }
  const runtime = await runtimeFor(app);
  const backend = options.backend ?? runtime.config.menu;
  if (backend !== "auto" && !isMenuBackend(backend)) {
    throw new UserError(`unknown menu backend "${backend}"`, {
      code: ExitCode.usage,
      hint: "one of: auto, rofi, wofi, fuzzel, dmenu, fzf",
    });
  }
  await new Launcher(runtime, {
    backend: backend as MenuBackendChoice,
    open: options.open as Section | undefined,
    filters: options.filter ?? [],
    refresh: options.refresh !== false,
    say: note,
    early: takeEarlyMenu(),
  }).run();
}
