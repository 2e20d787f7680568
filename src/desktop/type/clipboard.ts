import { spawn } from "node:child_process";
import { runTool, ToolError } from "./run.ts";

/** The desktop clipboard, read and written through wl-clipboard, xclip or xsel. */
export interface Clipboard {
  readonly name: string;
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

/**
 * wl-copy and xclip fork a child that keeps serving the selection and holds on to the
 * stdio it inherited; waiting for the pipes to close would wait for the next copy.
 * So output is ignored and only the parent's exit is awaited.
 */
function writeThrough(path: string, args: string[], text: string, env: NodeJS.ProcessEnv): Promise<void> {
  const tool = path.split("/").at(-1) ?? path;
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ["pipe", "ignore", "ignore"], env, detached: true });
    child.on("error", (error) => reject(new ToolError(tool, error.message)));
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new ToolError(tool, `exit code ${code}`))));
    child.stdin!.on("error", () => {});
    child.stdin!.end(text);
    child.unref();
  });
}

async function readOrUndefined(
  path: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  try {
    return await runTool(path, args, { env, timeoutMs: 2000 });
  } catch {
    // Empty or non-text clipboards make these tools exit non-zero; nothing to restore.
    return undefined;
  }
}

export function wlClipboard(wlCopy: string, wlPaste: string, env: NodeJS.ProcessEnv): Clipboard {
  return {
    name: "wl-copy",
    read: () => readOrUndefined(wlPaste, ["--no-newline", "--type", "text/plain"], env),
    write: (text) => writeThrough(wlCopy, ["--type", "text/plain;charset=utf-8"], text, env),
  };
}

export function xclipClipboard(xclip: string, env: NodeJS.ProcessEnv): Clipboard {
  return {
    name: "xclip",
    read: () => readOrUndefined(xclip, ["-selection", "clipboard", "-o"], env),
    write: (text) => writeThrough(xclip, ["-selection", "clipboard", "-i"], text, env),
  };
}

export function xselClipboard(xsel: string, env: NodeJS.ProcessEnv): Clipboard {
  return {
    name: "xsel",
    read: () => readOrUndefined(xsel, ["--clipboard", "--output"], env),
    write: (text) => writeThrough(xsel, ["--clipboard", "--input"], text, env),
  };
}
