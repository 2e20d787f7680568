import type OpenAI from "openai";
import { ExitCode, UserError } from "../../core/errors.ts";
import type { Secrets } from "../../core/secrets/secrets.ts";

export const OPENAI_SECRET = "openai_api_key";

/** The shape of OpenAI's keys (`sk-...`, `sk-proj-...`); other providers' keys are not checked. */
export const OPENAI_KEY_SHAPE = /^sk-[A-Za-z0-9_-]{20,}$/;

/** An OpenAI SDK client for OpenAI or any compatible endpoint (Groq, a local server). */
export async function openaiClient(
  secrets: Secrets,
  options: { baseUrl?: string; timeoutMs: number },
): Promise<OpenAI> {
  const apiKey = await secrets.get(OPENAI_SECRET);
  if (!apiKey) {
    throw new UserError("no OpenAI API key", {
      code: ExitCode.config,
      hint: `run \`deskhub voice setup\`, or ${secrets.howToSet(OPENAI_SECRET)}`,
    });
  }
  const { default: Client } = await import("openai");
  return new Client({ apiKey, baseURL: options.baseUrl, timeout: options.timeoutMs, maxRetries: 1 });
}

/** Turns the SDK's errors into messages that say what to do; never the key itself. */
export async function explainOpenAiError(error: unknown, what: string, baseUrl?: string): Promise<Error> {
  const { APIError, APIConnectionError } = await import("openai");
  const where = baseUrl ?? "api.openai.com";
  if (error instanceof APIConnectionError) {
    return new UserError(`cannot reach ${where} for ${what}: ${error.message}`, {
      code: ExitCode.unavailable,
    });
  }
  if (error instanceof APIError) {
    if (error.status === 401) {
      return new UserError(`${where} rejected the API key (${what})`, {
        code: ExitCode.config,
        hint: "run `deskhub voice setup` to store a valid key",
      });
    }
    return new UserError(`${where} refused ${what}: ${error.status ?? ""} ${error.message}`.trim(), {
      code: ExitCode.unavailable,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
