import { stringify } from "yaml";

/**
 * The config of a daemon whose voice module hears `recording` (a capture command) and
 * speaks into `answerFile` through sox, with the assistant on the fake Anthropic server
 * allowed to run `echo`: what the AI tests of the daemon and of its page share.
 */
export function voiceDaemonConfig(options: {
  dashboardPort: number;
  aiMode: string;
  recording: readonly string[];
  keepWarm?: boolean;
  answerFile: string;
  anthropicUrl: string;
}): string {
  return stringify({
    dashboard: { port: options.dashboardPort },
    voice: {
      trigger: "cli",
      stt: "pocketsphinx",
      tts_backend: "espeak",
      indicator_style: "none",
      mute_mic_while_speaking: false,
      ai_mode: options.aiMode,
      recording: {
        command: options.recording,
        ...(options.keepWarm === undefined ? {} : { keep_warm: options.keepWarm }),
      },
      playback: {
        command: [
          ...["sox", "-t", "raw", "-r", "{rate}", "-c", "{channels}", "-b", "16", "-e", "signed-integer"],
          ...["-", options.answerFile],
        ],
      },
      ai: {
        follow_up_seconds: 0,
        anthropic: { base_url: options.anthropicUrl },
        tools: { run_command: "allow" },
        run_command: { allow: ["echo"] },
      },
    },
  });
}
