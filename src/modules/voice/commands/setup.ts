import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "../../../core/atomic.ts";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { CliApp } from "../../../core/module.ts";
import { expandHome } from "../../../core/paths.ts";
import { registerSecret } from "../../../core/redact.ts";
import type { VoiceConfig } from "../config.ts";
import { OPENAI_KEY_SHAPE, OPENAI_SECRET } from "../openai-client.ts";
import { checkStt } from "../stt/select.ts";
import { checkTts } from "../tts/select.ts";

/** Where `setup` writes the key: the first key file the secret spec reads. */
export const KEY_FILE = "~/.config/openai/api_key";

export function checkKeyShape(key: string, baseUrl: string | undefined): string | undefined {
  if (/\s/.test(key)) return "the key contains spaces or line breaks";
  // Other providers (Groq's gsk_..., local servers) have keys of their own shape.
  if (baseUrl && !baseUrl.includes("api.openai.com"))
    return key.length >= 8 ? undefined : "the key is too short";
  return OPENAI_KEY_SHAPE.test(key)
    ? undefined
    : "OpenAI keys start with sk- and are at least 23 characters long";
}

async function readStdinKey(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8").trim();
}

async function askKey(
  existing: string | undefined,
  baseUrl: string | undefined,
): Promise<string | undefined> {
  const prompts = await import("@clack/prompts");
  prompts.intro("deskhub voice setup");
  if (existing) {
    const replace = await prompts.confirm({
      message: `An API key is already set (${existing}). Replace it?`,
      initialValue: false,
    });
    if (prompts.isCancel(replace) || !replace) {
      prompts.outro("Kept the existing key.");
      return undefined;
    }
  }
  const key = await prompts.password({
    message: `${baseUrl ? `API key for ${baseUrl}` : "OpenAI API key"} (used for transcription and speech)`,
    mask: "•",
    validate: (value) => checkKeyShape((value ?? "").trim(), baseUrl),
  });
  if (prompts.isCancel(key)) {
    prompts.cancel("No key stored.");
    return undefined;
  }
  return key.trim();
}

/**
 * `deskhub voice setup`: asks for the OpenAI key, checks its shape, and writes it to
 * ~/.config/openai/api_key with mode 600, where deskhub (and the old scripts) read it.
 * Then it shows which recognisers and voices work.
 */
export async function runSetup(
  app: CliApp<VoiceConfig>,
  options: { keyStdin?: boolean; json?: boolean },
): Promise<void> {
  const { ctx, config } = await app.load();
  const baseUrl = config.openai.base_url;
  const location = await ctx.secrets.locate(OPENAI_SECRET);
  let key: string | undefined;
  if (options.keyStdin) {
    key = await readStdinKey();
    if (!key)
      throw new UserError("no key on standard input", {
        code: ExitCode.usage,
        hint: "echo sk-... | deskhub voice setup --key-stdin",
      });
    registerSecret(key);
    const problem = checkKeyShape(key, baseUrl);
    if (problem)
      throw new UserError(`that does not look like an API key: ${problem}`, { code: ExitCode.dataErr });
  } else {
    if (!process.stdin.isTTY) {
      throw new UserError("setup asks for the key interactively, and standard input is not a terminal", {
        code: ExitCode.usage,
        hint: "pipe the key in with `deskhub voice setup --key-stdin`",
      });
    }
    key = await askKey(location.found ? location.where : undefined, baseUrl);
    if (key) registerSecret(key);
  }
  const file = expandHome(KEY_FILE, ctx.paths);
  if (key) {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, `${key}\n`, { mode: 0o600 });
    if (location.found && location.kind === "env") {
      process.stderr.write(`deskhub: note: ${location.where} is set and wins over ${file}\n`);
    }
  }
  const deps = { config, secrets: ctx.secrets, env: ctx.env, paths: ctx.paths };
  const stt = await Promise.all(
    (["whisper_server", "wyoming", "whisper_cli", "openai", "pocketsphinx"] as const).map((n) =>
      checkStt(n, deps),
    ),
  );
  const tts = await Promise.all(
    (["piper", "wyoming", "espeak", "openai"] as const).map((n) => checkTts(n, deps)),
  );
  if (options.json) {
    return app.output.json({ key_file: key ? file : undefined, stored: Boolean(key), stt, tts });
  }
  if (key) app.output.line(`stored the key in ${file} (mode 600)`);
  app.output.line("speech recognisers:");
  for (const s of stt) app.output.line(`  ${s.available ? "✓" : "✗"} ${s.name.padEnd(15)} ${s.detail}`);
  app.output.line("voices:");
  for (const t of tts) app.output.line(`  ${t.available ? "✓" : "✗"} ${t.name.padEnd(15)} ${t.detail}`);
}
