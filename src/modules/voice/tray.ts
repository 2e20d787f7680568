import { spawn } from "node:child_process";
import type { Logger } from "../../core/log.ts";
import { DesktopBuses } from "../../desktop/dbus.ts";
import { startTray, type Tray } from "../../desktop/tray/sni.ts";
import { COLOURS, type VoiceState, type VoiceStatus } from "./status.ts";

const LABELS: Record<VoiceState, string> = {
  idle: "Ready",
  recording: "Recording…",
  processing: "Transcribing…",
  listening: "Listening…",
  speaking: "Speaking…",
  success: "Done",
  error: "Error",
};

/**
 * The tray icon: a dot in the status colour, a tooltip with the state, and a menu to
 * open the voice settings and to cancel. Where no tray host runs it stays away quietly.
 */
export async function voiceTray(options: {
  env: NodeJS.ProcessEnv;
  status: VoiceStatus;
  settingsUrl: string;
  onCancel: () => void;
  onStopSpeaking: () => void;
  log: Logger;
}): Promise<{ close(): Promise<void> } | undefined> {
  const buses = new DesktopBuses(options.env);
  let tray: Tray | undefined;
  try {
    const openSettings = () => {
      const child = spawn("xdg-open", [options.settingsUrl], { stdio: "ignore", detached: true });
      child.on("error", (error) => options.log.warn({ err: error }, "cannot open the voice settings"));
      child.unref();
    };
    const menu = (state: VoiceState, message?: string) => [
      { id: 1, label: message ? `${LABELS[state]}: ${message}` : LABELS[state], enabled: false },
      { id: 2, label: "Voice settings…", onClick: openSettings },
      {
        id: 3,
        label: "Cancel recording",
        enabled: state === "recording" || state === "processing",
        onClick: options.onCancel,
      },
      { id: 4, label: "Stop speaking", enabled: state === "speaking", onClick: options.onStopSpeaking },
    ];
    const view = (state: VoiceState, message?: string) => ({
      colour: COLOURS[state],
      tooltip: message ? `${LABELS[state]} ${message}` : LABELS[state],
      attention: state === "recording",
    });
    tray = await startTray(await buses.session(), {
      id: "deskhub-voice",
      title: "deskhub voice",
      state: view(options.status.state),
      menu: menu(options.status.state),
      onActivate: openSettings,
    });
    if (!tray) {
      options.log.debug(
        "no tray host (org.kde.StatusNotifierWatcher); waybar and the dashboard show the status",
      );
      await buses.close();
      return undefined;
    }
    const shown = tray;
    const off = options.status.onChange((state, message) =>
      shown.update(view(state, message), menu(state, message)),
    );
    return {
      async close() {
        off();
        await shown.close().catch(() => {});
        await buses.close();
      },
    };
  } catch (error) {
    options.log.debug({ err: error }, "no tray icon");
    await tray?.close().catch(() => {});
    await buses.close();
    return undefined;
  }
}
