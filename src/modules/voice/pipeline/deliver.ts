import type { Typer } from "../../../desktop/type/typer.ts";

/** The keys still held after release must not turn typed text into shortcuts. */
const KEYS_UP_TIMEOUT_MS = 1000;

/**
 * Stage 5: the text typed into the focused window. It waits (briefly) until the
 * push-to-talk and AI keys are up, so Shift held a moment too long does not capitalise
 * or, worse, stay stuck.
 */
export async function deliver(
  text: string,
  typer: Typer,
  options: { trailingSpace: boolean; keysReleased?: () => Promise<void> },
): Promise<void> {
  if (options.keysReleased) {
    await Promise.race([
      options.keysReleased(),
      new Promise((resolve) => setTimeout(resolve, KEYS_UP_TIMEOUT_MS)),
    ]);
  }
  await typer.type(options.trailingSpace ? `${text} ` : text);
}
