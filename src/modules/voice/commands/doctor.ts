import { access, constants } from "node:fs/promises";
import { errorMessage } from "../../../core/errors.ts";
import type { CliApp } from "../../../core/module.ts";
import { firstAvailable } from "../../../core/proc.ts";
import { MicMute } from "../../../desktop/audio/mic-mute.ts";
import { PLAYERS } from "../../../desktop/audio/playback.ts";
import { connectBus } from "../../../desktop/dbus.ts";
import { findKeyboards } from "../../../desktop/input/evdev.ts";
import { createTyper } from "../../../desktop/type/detect.ts";
import type { VoiceConfig } from "../config.ts";
import { captureSource } from "../pipeline/record.ts";
import { AUTO_ORDER, checkStt } from "../stt/select.ts";
import { triggerCodes } from "../triggers/sources.ts";
import { checkTts, TTS_AUTO_ORDER } from "../tts/select.ts";
import { loadVocabulary, vocabularyPath } from "../vocabulary.ts";

interface Check {
  area: string;
  name: string;
  ok: boolean;
  detail: string;
}

async function guard(area: string, name: string, run: () => Promise<string>): Promise<Check> {
  try {
    return { area, name, ok: true, detail: await run() };
  } catch (error) {
    const hint = (error as { hint?: string }).hint;
    return { area, name, ok: false, detail: `${errorMessage(error)}${hint ? ` — ${hint}` : ""}` };
  }
}

async function evdevCheck(config: VoiceConfig): Promise<Check> {
  return guard("trigger", "evdev", async () => {
    const codes = triggerCodes(config);
    const keyboards = await findKeyboards([codes.ptt]);
    if (keyboards.length === 0)
      throw new Error("no keyboard with the push-to-talk key in /proc/bus/input/devices");
    const readable: string[] = [];
    for (const k of keyboards) {
      if (
        await access(k.path, constants.R_OK).then(
          () => true,
          () => false,
        )
      )
        readable.push(`${k.name} (${k.path})`);
    }
    if (readable.length === 0) {
      throw Object.assign(new Error(`${keyboards.length} keyboard(s) found, none readable`), {
        hint: "sudo usermod -aG input $USER, then log in again",
      });
    }
    return readable.join(", ");
  });
}

async function sessionChecks(env: NodeJS.ProcessEnv): Promise<Check[]> {
  try {
    const bus = await connectBus("session", env, { timeoutMs: 1500 });
    try {
      const portal = await bus.hasOwner("org.freedesktop.portal.Desktop");
      const tray = await bus.hasOwner("org.kde.StatusNotifierWatcher");
      return [
        {
          area: "trigger",
          name: "portal",
          ok: portal,
          detail: portal
            ? "xdg-desktop-portal runs (GlobalShortcuts is checked when the daemon binds)"
            : "no xdg-desktop-portal on the session bus",
        },
        {
          area: "indicator",
          name: "tray",
          ok: tray,
          detail: tray ? "a tray host runs" : "no tray host; waybar and the dashboard show the status",
        },
      ];
    } finally {
      bus.close();
    }
  } catch (error) {
    const detail = errorMessage(error);
    return [
      { area: "trigger", name: "portal", ok: false, detail },
      { area: "indicator", name: "tray", ok: false, detail },
    ];
  }
}

/** `deskhub voice doctor`: every part of the pipeline, what this machine has for it. */
export async function runDoctor(app: CliApp<VoiceConfig>, json: boolean): Promise<void> {
  const { ctx, config } = await app.load();
  const deps = { config, secrets: ctx.secrets, env: ctx.env, paths: ctx.paths };
  const checks: Check[] = [];
  checks.push(
    await guard("capture", "microphone", async () => {
      const source = await captureSource(config, ctx.env);
      return source.kind === "command" ? source.argv.join(" ") : source.path;
    }),
  );
  checks.push(
    await guard("playback", "player", async () => {
      if (config.playback.command) return config.playback.command.join(" ");
      const found = await firstAvailable(PLAYERS, ctx.env);
      if (!found) throw new Error("no pw-play, paplay or aplay");
      return found.path;
    }),
  );
  for (const name of AUTO_ORDER) {
    const c = await checkStt(name, deps);
    checks.push({ area: "speech-to-text", name, ok: c.available, detail: c.detail });
  }
  for (const name of TTS_AUTO_ORDER) {
    const c = await checkTts(name, deps);
    checks.push({ area: "text-to-speech", name, ok: c.available, detail: c.detail });
  }
  checks.push(
    await guard("typing", config.output.method, async () => {
      const typer = await createTyper(config.output.method, {
        env: ctx.env,
        keyDelayMs: config.output.key_delay_ms,
        pasteChord: config.output.paste_chord,
        restoreClipboard: config.output.restore_clipboard,
      });
      return `in order: ${typer.names.join(", ")}`;
    }),
  );
  checks.push(await evdevCheck(config));
  checks.push(...(await sessionChecks(ctx.env)));
  checks.push(
    await guard("speaking", "mic mute", async () => {
      const tool = await new MicMute({ env: ctx.env }).tool();
      if (!tool) throw new Error("neither wpctl nor pactl: the microphone stays open while deskhub speaks");
      return tool;
    }),
  );
  checks.push(
    await guard("vocabulary", "words", async () => {
      const file = vocabularyPath(config.vocabulary_file, ctx.paths);
      const vocabulary = await loadVocabulary(file);
      return `${vocabulary.words.length} word(s) from ${file}`;
    }),
  );
  if (json) return app.output.json(checks);
  let area = "";
  for (const c of checks) {
    if (c.area !== area) {
      area = c.area;
      app.output.line(`${area}:`);
    }
    app.output.line(`  ${c.ok ? "✓" : "✗"} ${c.name.padEnd(15)} ${c.detail}`);
  }
}
