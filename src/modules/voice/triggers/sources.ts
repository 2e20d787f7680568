import { errorMessage } from "../../../core/errors.ts";
import type { Logger } from "../../../core/log.ts";
import { DesktopBuses } from "../../../desktop/dbus.ts";
import { EvdevKeys } from "../../../desktop/input/evdev.ts";
import { keyCode, keyName, keysym } from "../../../desktop/input/keys.ts";
import type { VoiceConfig } from "../config.ts";
import type { TurnKind } from "../pipeline/turn.ts";
import { type HotkeyActions, HotkeyMachine } from "./hotkeys.ts";

export interface TriggerSource {
  /** evdev, portal, or cli (key binds in the compositor only). */
  name: string;
  detail: string;
  keysReleased(): Promise<void>;
  close(): Promise<void>;
}

export function triggerCodes(config: VoiceConfig): { ptt: number; ai: number; interrupt: number } {
  const codes = {
    ptt: keyCode(config.ptt_key),
    ai: keyCode(config.ai_key),
    interrupt: keyCode(config.interrupt_key),
  };
  for (const [key, code] of Object.entries(codes)) {
    if (code === undefined) {
      const name = key === "ptt" ? "ptt_key" : key === "ai" ? "ai_key" : "interrupt_key";
      throw new Error(
        `voice.${name} "${config[name]}" is not a key name deskhub knows (try ctrl_r, shift_r, esc, f12)`,
      );
    }
  }
  return codes as { ptt: number; ai: number; interrupt: number };
}

async function startEvdev(config: VoiceConfig, actions: HotkeyActions, log: Logger): Promise<TriggerSource> {
  const codes = triggerCodes(config);
  const machine = new HotkeyMachine({ ...codes, mode: config.mode }, actions);
  const keys = new EvdevKeys({ keys: [codes.ptt] });
  keys.on("key", (event) => machine.key(event.code, event.value));
  keys.on("device", (path, change) => log.info({ path, change }, "keyboard"));
  const devices = await keys.start();
  return {
    name: "evdev",
    detail: `${keyName(codes.ptt)} on ${devices.join(", ")}`,
    keysReleased: () => machine.keysReleased(),
    close: async () => keys.close(),
  };
}

async function startPortal(
  config: VoiceConfig,
  actions: HotkeyActions,
  env: NodeJS.ProcessEnv,
): Promise<TriggerSource> {
  const codes = triggerCodes(config);
  const buses = new DesktopBuses(env);
  const { PortalShortcuts } = await import("../../../desktop/input/portal-shortcuts.ts");
  let portal: InstanceType<typeof PortalShortcuts> | undefined;
  try {
    portal = await PortalShortcuts.create(await buses.session());
    const pressed = (kind: TurnKind) => {
      if (config.mode === "toggle" && actions.recording()) actions.stop(kind);
      else if (!actions.recording()) actions.start(kind);
    };
    portal.on("activated", (id) => {
      if (id === "push-to-talk") pressed("dictation");
      else if (id === "push-to-talk-ai") pressed("ai");
      else if (id === "interrupt") actions.interrupt();
    });
    portal.on("deactivated", (id) => {
      if (config.mode !== "hold") return;
      if (id === "push-to-talk" || id === "push-to-talk-ai")
        actions.stop(id === "push-to-talk-ai" ? "ai" : "dictation");
    });
    const bound = await portal.bind([
      {
        id: "push-to-talk",
        description: "Push to talk: dictate into the focused window",
        preferredTrigger: keysym(codes.ptt),
      },
      {
        id: "push-to-talk-ai",
        description: "Push to talk to the AI assistant",
        preferredTrigger: `${keysym(codes.ai)}+${keysym(codes.ptt)}`,
      },
      { id: "interrupt", description: "Stop speaking / cancel", preferredTrigger: keysym(codes.interrupt) },
    ]);
    const open = portal;
    return {
      name: "portal",
      detail: bound.map((b) => `${b.id}: ${b.triggerDescription || "unassigned"}`).join(", "),
      keysReleased: async () => {},
      close: async () => {
        await open.close();
        await buses.close();
      },
    };
  } catch (error) {
    await portal?.close().catch(() => {});
    await buses.close();
    throw error;
  }
}

/**
 * Starts the configured key source. `auto` tries evdev (works everywhere, needs the
 * input group), then the desktop portal; when neither works the CLI (compositor binds
 * to `deskhub voice start/stop`) still does, and the reason is reported, not hidden.
 */
export async function startTriggers(
  config: VoiceConfig,
  actions: HotkeyActions,
  options: { env: NodeJS.ProcessEnv; log: Logger },
): Promise<{ source: TriggerSource; problems: string[] }> {
  const order =
    config.trigger === "auto"
      ? (["evdev", "portal"] as const)
      : config.trigger === "cli"
        ? []
        : [config.trigger];
  const problems: string[] = [];
  for (const name of order) {
    try {
      const source =
        name === "evdev"
          ? await startEvdev(config, actions, options.log)
          : await startPortal(config, actions, options.env);
      return { source, problems };
    } catch (error) {
      problems.push(
        `${name}: ${errorMessage(error)}${(error as { hint?: string }).hint ? ` (${(error as { hint?: string }).hint})` : ""}`,
      );
    }
  }
  return {
    source: {
      name: "cli",
      detail: "bind `deskhub voice start` / `deskhub voice stop` (or toggle) to a key in the compositor",
      keysReleased: async () => {},
      close: async () => {},
    },
    problems,
  };
}
