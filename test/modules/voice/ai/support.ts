import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { openDatabase } from "../../../../src/core/db.ts";
import { resolvePaths } from "../../../../src/core/paths.ts";
import { Secrets } from "../../../../src/core/secrets/secrets.ts";
import { Store } from "../../../../src/core/store.ts";
import type { AssistantDeps } from "../../../../src/modules/voice/ai/assistant.ts";
import type { AiStatus, Confirm, SpeechOut } from "../../../../src/modules/voice/ai/ports.ts";
import { makeSandbox, type Sandbox } from "../../../helpers/sandbox.ts";

export function run(
  program: string,
  args: readonly string[],
  input?: Buffer,
): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      program,
      args,
      { encoding: "buffer", maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${program} failed: ${error.message} ${stderr.toString()}`));
        else resolve({ stdout, stderr: stderr.toString() });
      },
    );
    if (input) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

/** Real speech from espeak-ng, resampled by sox to mono s16le at `rate`. */
export async function espeakPcm(text: string, rate: number): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "deskhub-espeak-"));
  try {
    const wav = join(dir, "speech.wav");
    await run("espeak-ng", ["-v", "en-us", "-w", wav, text]);
    const { stdout } = await run("sox", [
      wav,
      "-r",
      String(rate),
      "-c",
      "1",
      "-b",
      "16",
      "-e",
      "signed-integer",
      "-t",
      "raw",
      "-",
    ]);
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `sox FILE -n stat`: length and loudness, as a person checking the file would read them. */
export async function soxStat(file: string): Promise<{ seconds: number; rms: number; maxAmplitude: number }> {
  const { stderr } = await run("sox", [file, "-n", "stat"]);
  const field = (name: string) =>
    Number(new RegExp(`${name}:\\s+(-?[\\d.]+)`).exec(stderr)?.[1] ?? Number.NaN);
  return {
    seconds: field("Length \\(seconds\\)"),
    rms: field("RMS\\s+amplitude"),
    maxAmplitude: field("Maximum amplitude"),
  };
}

export function readWavSamples(file: string): number {
  return (readFileSync(file).length - 44) / 2;
}

export const quietLog = () =>
  pino(
    { level: "silent" },
    new Writable({
      write(_c, _e, done) {
        done();
      },
    }),
  );

export interface AiTestContext {
  sandbox: Sandbox;
  store: Store;
  ctx: AssistantDeps["ctx"];
  statuses: AiStatus[];
  status: (s: AiStatus) => void;
}

/** A sandboxed module context: private XDG dirs, a real store, real secrets, real SQLite. */
export function aiContext(env: NodeJS.ProcessEnv = {}): AiTestContext {
  const sandbox = makeSandbox(env);
  const paths = resolvePaths(sandbox.env);
  const store = new Store();
  const statuses: AiStatus[] = [];
  return {
    sandbox,
    store,
    statuses,
    status: (s) => {
      if (statuses.at(-1) !== s) statuses.push(s);
    },
    ctx: {
      paths,
      env: sandbox.env,
      store,
      secrets: new Secrets({ env: sandbox.env, paths }),
      log: quietLog(),
      openDb: (file, migrations) => openDatabase(join(paths.dataDir, file), migrations),
    },
  };
}

/** Speech that records what it was asked to say and when, taking `ms` per sentence. */
export function recordingSpeech(ms = 0): SpeechOut & { said: Array<{ sentence: string; at: number }> } {
  const said: Array<{ sentence: string; at: number }> = [];
  return {
    said,
    async speak(sentence, signal) {
      said.push({ sentence, at: performance.now() });
      if (ms) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          signal.addEventListener(
            "abort",
            () => {
              clearTimeout(timer);
              resolve();
            },
            { once: true },
          );
        });
      }
    },
  };
}

/** A person who answers every confirmation the same way, and whom the test can ask what they were shown. */
export function answering(answer: "approve" | "deny" | "timeout"): Confirm & { asked: string[] } {
  const asked: string[] = [];
  const confirm = (async (request) => {
    asked.push(request.summary);
    return answer;
  }) as Confirm & { asked: string[] };
  confirm.asked = asked;
  return confirm;
}
