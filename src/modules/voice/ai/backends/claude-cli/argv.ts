import type { AiConfig } from "../../config.ts";

/**
 * The Claude Code command line for one question: `claude [-c] -p QUESTION --output-format
 * stream-json --verbose`, then the permission settings from config. `-c` continues the
 * conversation kept in the session directory (the working directory), once there is one.
 */
export function claudeArgv(
  binary: string,
  question: string,
  settings: AiConfig["claude"],
  options: { continueSession: boolean; systemPrompt?: string },
): string[] {
  // A question that starts with "-" must not be read as an option.
  const prompt = question.startsWith("-") ? ` ${question}` : question;
  const argv = [binary];
  if (options.continueSession) argv.push("-c");
  argv.push("-p", prompt, "--output-format", "stream-json", "--verbose");
  if (settings.partial_messages) argv.push("--include-partial-messages");
  argv.push("--permission-mode", settings.permission_mode);
  if (settings.allowed_tools.length) argv.push("--allowedTools", settings.allowed_tools.join(","));
  if (settings.disallowed_tools.length) argv.push("--disallowedTools", settings.disallowed_tools.join(","));
  if (settings.model) argv.push("--model", settings.model);
  if (options.systemPrompt) argv.push("--append-system-prompt", options.systemPrompt);
  return argv;
}
