import type { SecretSpec } from "../../core/secrets/secrets.ts";

/**
 * The voice module's secrets. Besides being looked up, their key files and variables
 * are kept out of the assistant's reach: read_file never opens them and run_command's
 * environment does not carry them.
 */
export const VOICE_SECRETS = [
  {
    name: "openai_api_key",
    description: "OpenAI (or compatible) API key for transcription, speech and ai_mode realtime",
    env: ["OPENAI_API_KEY"],
    files: ["~/.config/openai/api_key", "~/.openai/api_key"],
  },
  {
    name: "anthropic_api_key",
    description: "Anthropic API key for voice.ai_mode anthropic",
    env: ["ANTHROPIC_API_KEY"],
    files: ["~/.config/anthropic/api_key"],
  },
] as const satisfies readonly SecretSpec[];
