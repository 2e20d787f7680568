import { type Command, InvalidArgumentError } from "commander";
import type { CliApp } from "../../core/module.ts";
import { registerAiCli } from "./ai/cli.ts";
import type { VoiceConfig } from "./config.ts";

type App = CliApp<VoiceConfig>;

function example(cmd: Command, text: string): Command {
  return cmd.addHelpText("after", `\nExample:\n  ${text}`);
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number`);
  return n;
}

/**
 * `deskhub voice ...` and `deskhub say`. Actions import their code when they run, so
 * `deskhub voice start` from a key bind loads only the control-socket client.
 */
export function registerVoiceCli(cli: Command, app: App): void {
  const trigger = async (command: string, args: Record<string, unknown>, json: boolean | undefined) => {
    const { runTrigger } = await import("./commands/trigger.ts");
    await runTrigger(app, command, args, json === true);
  };

  example(
    cli
      .command("start")
      .description("start recording in the daemon (bind to the key press)")
      .option("--ai", "ask the AI assistant instead of typing")
      .option("--json", "print the daemon's answer as JSON")
      .action((o: { ai?: boolean; json?: boolean }) => trigger("voice.start", { ai: o.ai === true }, o.json)),
    "deskhub voice start          # Hyprland: bind = , F9, exec, deskhub voice start",
  );
  example(
    cli
      .command("stop")
      .description("stop recording; the text is typed into the focused window (bind to the key release)")
      .option("--wait", "wait for the text and print it")
      .option("--json", "print the daemon's answer as JSON")
      .action((o: { wait?: boolean; json?: boolean }) =>
        trigger("voice.stop", { wait: o.wait === true }, o.json),
      ),
    "deskhub voice stop           # Hyprland: bindr = , F9, exec, deskhub voice stop",
  );
  example(
    cli
      .command("toggle")
      .description("start recording, or stop and type if recording (one key, press twice)")
      .option("--ai", "ask the AI assistant instead of typing")
      .option("--wait", "when stopping, wait for the text and print it")
      .option("--json", "print the daemon's answer as JSON")
      .action((o: { ai?: boolean; wait?: boolean; json?: boolean }) =>
        trigger("voice.toggle", { ai: o.ai === true, wait: o.wait === true }, o.json),
      ),
    "deskhub voice toggle         # sway: bindsym $mod+d exec deskhub voice toggle",
  );
  example(
    cli
      .command("cancel")
      .description("drop the recording; nothing is typed")
      .option("--json", "print the daemon's answer as JSON")
      .action((o: { json?: boolean }) => trigger("voice.cancel", {}, o.json)),
    "deskhub voice cancel",
  );
  example(
    cli
      .command("interrupt")
      .description("stop speaking at once and cancel the recording (the interrupt key)")
      .option("--json", "print the daemon's answer as JSON")
      .action((o: { json?: boolean }) => trigger("voice.interrupt", {}, o.json)),
    "deskhub voice interrupt",
  );
  example(
    cli
      .command("status")
      .description("the daemon's voice status, level, trigger and last transcripts")
      .option("--json", "machine-readable output")
      .action(async (o: { json?: boolean }) => {
        const { runStatus } = await import("./commands/status.ts");
        await runStatus(app, o.json === true);
      }),
    "deskhub voice status --json",
  );
  example(
    cli
      .command("listen")
      .description("record from the microphone (or read a file), transcribe, print the text")
      .option("--once", "stop after the first utterance")
      .option("--input <file>", "read audio from a file (WAV, FLAC, MP3, raw 16 kHz s16le) or - for stdin")
      .option(
        "--stt <backend>",
        "pocketsphinx, whisper_server, whisper_cli, openai or wyoming (default: voice.stt)",
      )
      .option("--max-seconds <n>", "stop recording after this long", positiveNumber)
      .option("--json", "one JSON object per utterance")
      .action(
        async (o: { once?: boolean; input?: string; stt?: string; maxSeconds?: number; json?: boolean }) => {
          const { runListen } = await import("./commands/listen.ts");
          await runListen(app, o);
        },
      ),
    "deskhub voice listen --once --input question.wav --stt pocketsphinx",
  );
  example(
    cli
      .command("doctor")
      .description("what works here: capture, playback, recognisers, voices, typing tools, triggers, tray")
      .option("--json", "machine-readable output")
      .action(async (o: { json?: boolean }) => {
        const { runDoctor } = await import("./commands/doctor.ts");
        await runDoctor(app, o.json === true);
      }),
    "deskhub voice doctor",
  );
  example(
    cli
      .command("import")
      .description("take over the old push-to-talk config.json and vocabulary.txt")
      .option("--from <dir>", "the old install directory", "~/.local/share/push-to-talk")
      .option("--print", "print the voice: section to paste instead of writing config.yaml")
      .option("--json", "machine-readable summary")
      .action(async (o: { from: string; print?: boolean; json?: boolean }) => {
        const { runImport } = await import("./commands/import.ts");
        await runImport(app, o);
      }),
    "deskhub voice import --print",
  );
  example(
    cli
      .command("setup")
      .description("store the OpenAI API key (mode 600) and check what voice backends work")
      .option("--key-stdin", "read the key from standard input instead of asking")
      .option("--json", "machine-readable result")
      .action(async (o: { keyStdin?: boolean; json?: boolean }) => {
        const { runSetup } = await import("./commands/setup.ts");
        await runSetup(app, o);
      }),
    "deskhub voice setup",
  );

  registerAiCli(cli, app, (c) => ({ mode: c.ai_mode, ai: c.ai }));

  // `say` is top level: `deskhub say "the kettle is ready"`.
  example(
    cli
      .parent!.command("say")
      .description("speak a text aloud (or write it to a WAV file)")
      .argument("[text...]", "what to say; - or nothing reads standard input")
      .option("--tts <backend>", "piper, espeak, openai or wyoming (default: voice.tts_backend)")
      .option("--out <file.wav>", "write a WAV file instead of playing")
      .option("--local", "speak from this process even when the daemon runs")
      .option("--json", "machine-readable result")
      .action(async (words: string[], o: { tts?: string; out?: string; local?: boolean; json?: boolean }) => {
        const { runSay } = await import("./commands/say.ts");
        await runSay(app, words, o);
      }),
    'deskhub say "the washing machine is done" --out done.wav',
  );
}
