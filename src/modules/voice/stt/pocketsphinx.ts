import { spawn } from "node:child_process";
import { basename } from "node:path";
import { ExitCode, UserError } from "../../../core/errors.ts";
import type { SttBackend, SttRequest } from "./types.ts";

export interface PocketsphinxOptions {
  path: string;
  hmm?: string;
  lm?: string;
  dict?: string;
}

/**
 * The arguments for either CLI: Debian's `pocketsphinx_continuous` (0.8/5prealpha),
 * which prints one line per utterance, or pocketsphinx 5's `pocketsphinx single`,
 * which prints one JSON object per utterance. Both read the audio from stdin
 * (`-infile /dev/stdin`, `-`), so no WAV file is written anywhere.
 */
export function pocketsphinxArgs(options: PocketsphinxOptions): { args: string[]; json: boolean } {
  const models = [
    ...(options.hmm ? ["-hmm", options.hmm] : []),
    ...(options.lm ? ["-lm", options.lm] : []),
    ...(options.dict ? ["-dict", options.dict] : []),
  ];
  if (basename(options.path) === "pocketsphinx") {
    return { args: [...models, "-samprate", "16000", "single", "-"], json: true };
  }
  return {
    args: ["-infile", "/dev/stdin", "-samprate", "16000", "-logfn", "/dev/null", ...models],
    json: false,
  };
}

export function parsePocketsphinxOutput(stdout: string, json: boolean): string {
  const lines = stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const words = json
    ? lines.map((line) => {
        try {
          return String((JSON.parse(line) as { t?: unknown }).t ?? "");
        } catch {
          return "";
        }
      })
    : lines;
  return words.filter(Boolean).join(" ");
}

/**
 * Node gives a child a socket, not a pipe, as stdin, and `/dev/stdin` cannot be opened
 * on a socket (ENXIO). `cat` turns it into a real pipe, so the audio still never
 * touches the disk; "$0" "$@" pass the program and its arguments without a shell
 * parsing them.
 */
const RELAY = 'cat | exec "$0" "$@"';

/** CMU pocketsphinx, offline, from Debian. Weak on accents, but needs no model download. */
export function pocketsphinxBackend(options: PocketsphinxOptions): SttBackend {
  const { args, json } = pocketsphinxArgs(options);
  return {
    name: "pocketsphinx",
    transcribe(request: SttRequest): Promise<string> {
      return new Promise((resolve, reject) => {
        const child = spawn("sh", ["-c", RELAY, options.path, ...args], {
          stdio: ["pipe", "pipe", "pipe"],
          signal: request.signal,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
        child.stdin.on("error", () => {});
        child.on("error", (error) =>
          reject(
            new UserError(`cannot run ${options.path}: ${error.message}`, {
              code: ExitCode.unavailable,
              hint: "install pocketsphinx and pocketsphinx-en-us (apt install pocketsphinx pocketsphinx-en-us)",
            }),
          ),
        );
        child.on("close", (code) => {
          if (code === 0) return resolve(parsePocketsphinxOutput(stdout, json));
          const detail =
            stderr
              .split("\n")
              .filter((l) => /error|fatal/i.test(l))
              .at(-1) ?? `exit code ${code}`;
          reject(new UserError(`pocketsphinx failed: ${detail.trim()}`, { code: ExitCode.unavailable }));
        });
        child.stdin.end(request.pcm);
      });
    },
  };
}
