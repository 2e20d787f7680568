import { basename } from "node:path";
import type { AllowedCommand } from "../config.ts";
import { type ParsedLine, parseLine, pipelines, prefixWords, simpleCommands } from "./shell-words.ts";

const PRIVILEGE = new Set(["sudo", "doas", "pkexec", "run0", "sudoedit", "su", "calife", "ksu"]);
/** find's options that run the words after them as a command. */
const EXEC_OPTIONS = new Set(["-exec", "-execdir", "-ok", "-okdir"]);
/** Programs that run the rest of their arguments as a command. */
const WRAPPERS = new Set([
  "env",
  "nice",
  "nohup",
  "time",
  "command",
  "exec",
  "xargs",
  "stdbuf",
  "ionice",
  "setsid",
  "chrt",
  "timeout",
  "unbuffer",
  "flock",
  "watch",
  "builtin",
]);
const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "mksh", "fish", "csh", "tcsh", "ash", "busybox"]);
const INTERPRETERS = /^(python[0-9.]*|perl|ruby|node|nodejs|php|lua|tclsh|deno|bun)$/;
const DOWNLOADERS = new Set(["curl", "wget", "fetch", "aria2c", "http", "https", "xh", "lwp-request", "GET"]);
const DISK_TOOLS = /^(mkfs(\..+)?|mke2fs|mkswap|wipefs|fdisk|sfdisk|parted|blkdiscard|shred)$/;
const DEVICE = /^\/dev\/(sd|hd|vd|nvme|mmcblk|xvd|disk|mapper|md|dm-)/;

/** Why a command is refused, or undefined; these hold whatever the allow-list says. */
export function alwaysRefused(line: string): string | undefined {
  if (/:\s*\(\s*\)\s*\{.*:\s*\|\s*:/.test(line)) return "a fork bomb";
  return refusedParsed(parseLine(line), 0);
}

function refusedParsed(parsed: ParsedLine, depth: number): string | undefined {
  if (depth > 4) return "commands nested too deeply to check";
  const commands = simpleCommands(parsed.tokens);
  const programs: string[] = [];
  for (const words of commands) {
    for (let k = 0; k < words.length - 1; k++) {
      const run = basename(unwrap(words.slice(k + 1))[0] ?? "");
      if (EXEC_OPTIONS.has(words[k]!) && PRIVILEGE.has(run))
        return `${run}: deskhub never runs commands as root`;
    }
    const argv = unwrap(words);
    const program = basename(argv[0] ?? "");
    programs.push(program);
    if (PRIVILEGE.has(program)) return `${program}: deskhub never runs commands as root`;
    const reason = refusedCommand(program, argv) ?? recursiveDelete(words);
    if (reason) return reason;
    const inner = innerScript(program, argv);
    if (inner !== undefined) {
      const nested = refusedParsed(parseLine(inner), depth + 1);
      if (nested) return nested;
      if (hasDownloader(inner) && SHELLS.has(program)) return "running a downloaded script";
    }
    for (let k = 0; k < words.length - 1; k++) {
      if ([">", ">>", "&>", ">|", "<>"].includes(words[k]!) && DEVICE.test(words[k + 1]!))
        return `writing straight to the disk device ${words[k + 1]}`;
    }
  }
  for (const pipeline of pipelines(parsed.tokens)) {
    const names = pipeline.map((words) => unwrap(words));
    const download = names.findIndex((argv) => DOWNLOADERS.has(basename(argv[0] ?? "")));
    if (download < 0) continue;
    for (const argv of names.slice(download + 1)) {
      const program = basename(argv[0] ?? "");
      const readsStdin = argv.length === 1 || argv.slice(1).every((a) => a === "-" || a.startsWith("-s"));
      if (SHELLS.has(program) || (INTERPRETERS.test(program) && readsStdin))
        return `piping a download into ${program}`;
    }
  }
  const downloaded = parsed.substitutions.some(hasDownloader);
  if (
    downloaded &&
    programs.some((p) => SHELLS.has(p) || INTERPRETERS.test(p) || p === "eval" || p === "source" || p === ".")
  )
    return "running a downloaded script";
  for (const body of parsed.substitutions) {
    const nested = refusedParsed(parseLine(body), depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

/** The command a wrapper runs: `env FOO=1 nice -n 5 rm -rf x` -> `rm -rf x`. */
function unwrap(words: readonly string[]): string[] {
  let argv = [...words];
  for (let guard = 0; guard < 8; guard++) {
    while (argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0]!)) argv = argv.slice(1);
    const program = basename(argv[0] ?? "");
    if (!WRAPPERS.has(program)) return argv;
    argv = argv.slice(1);
    // Skip the wrapper's own options and their values (timeout 5, nice -n 5, xargs -I {}).
    while (argv.length && (argv[0]!.startsWith("-") || /^\d+[smhd]?$/.test(argv[0]!) || argv[0] === "{}")) {
      const option = argv[0]!;
      argv = argv.slice(1);
      if (/^-(n|I|u|c|p|s|k|L|P|E|d|a)$/.test(option) && argv.length > 1) argv = argv.slice(1);
    }
  }
  return argv;
}

/** `sh -c SCRIPT`, `bash -lc SCRIPT`, `eval WORDS`: the script they would run. */
function innerScript(program: string, argv: readonly string[]): string | undefined {
  if (program === "eval") return argv.slice(1).join(" ");
  if (!SHELLS.has(program) && !INTERPRETERS.test(program)) return undefined;
  const flag = argv.findIndex((a, k) => k > 0 && /^-[a-z]*c[a-z]*$/.test(a));
  if (flag < 0) return undefined;
  return SHELLS.has(program) ? (argv[flag + 1] ?? "") : undefined;
}

function hasDownloader(script: string): boolean {
  return simpleCommands(parseLine(script).tokens).some((w) => DOWNLOADERS.has(basename(unwrap(w)[0] ?? "")));
}

function refusedCommand(program: string, argv: readonly string[]): string | undefined {
  if (DISK_TOOLS.test(program)) return `${program} erases disks`;
  if (program === "dd" && argv.some((a) => a.startsWith("of=/dev/") && DEVICE.test(a.slice(3))))
    return "dd onto a disk device";
  // `git log --output=~/.bashrc` would let a read-only allow entry write any file.
  if (program === "git" && argv.some((a) => a === "--output" || a.startsWith("--output=")))
    return "git --output writes files, which only write_file may do";
  if (
    (program === "chmod" || program === "chown" || program === "chgrp") &&
    hasFlag(argv, "R", "recursive")
  ) {
    if (argv.slice(1).some((a) => a === "/" || a === "/*" || a === "~" || a === "/home"))
      return `${program} -R on /`;
  }
  return undefined;
}

/** `rm` with both recursive and force, wherever it appears (xargs rm -rf, find -exec rm -rf). */
function recursiveDelete(words: readonly string[]): string | undefined {
  for (let k = 0; k < words.length; k++) {
    if (basename(words[k]!) !== "rm") continue;
    const rest: string[] = [];
    for (const word of words.slice(k + 1)) {
      if (word === ";" || word === "+" || word === "\\;") break;
      rest.push(word);
    }
    const args = ["rm", ...rest];
    const recursive = hasFlag(args, "r", "recursive") || hasFlag(args, "R", "recursive");
    if (recursive && hasFlag(args, "f", "force")) return "rm -rf: recursive forced deletes are never run";
    if (recursive && rest.some((a) => a === "/" || a === "/*" || a === "~" || a === "~/" || a === "."))
      return "rm -r of a whole tree";
  }
  return undefined;
}

function hasFlag(argv: readonly string[], short: string, long: string): boolean {
  for (const arg of argv.slice(1)) {
    if (arg === "--") return false;
    if (arg === `--${long}`) return true;
    if (/^-[A-Za-z]+$/.test(arg) && arg.slice(1).includes(short)) return true;
  }
  return false;
}

/** The simple commands of a line and of every substitution in it. */
function allCommands(parsed: ParsedLine, depth: number): string[][] {
  const own = simpleCommands(parsed.tokens);
  if (depth > 4) return own;
  return [...own, ...parsed.substitutions.flatMap((body) => allCommands(parseLine(body), depth + 1))];
}

export interface CommandPlan {
  /** What to run: argv for execFile, or the line for /bin/sh -c. */
  argv: string[];
  shell: boolean;
  timeoutMs: number | undefined;
  /** The allow-list prefix that matched the first command. */
  prefix: string;
}

/**
 * Decides how a command may run: every simple command in it must start with an allowed
 * prefix, and shell features (pipes, redirections, variables, globs) need a prefix
 * marked `shell: true`. Returns the plan, or the reason it may not run.
 */
export function planCommand(
  line: string,
  allow: readonly AllowedCommand[],
): { ok: true; plan: CommandPlan } | { ok: false; reason: string } {
  const refused = alwaysRefused(line);
  if (refused) return { ok: false, reason: `refused: ${refused}` };
  const parsed = parseLine(line);
  const commands = allCommands(parsed, 0);
  if (commands.length === 0) return { ok: false, reason: "the command is empty" };
  const rules = allow.map((rule) => (typeof rule === "string" ? { prefix: rule, shell: false } : rule));
  const matched = commands.map((words) =>
    rules.find((rule) => {
      const want = prefixWords(rule.prefix);
      return want.length > 0 && want.every((w, k) => words[k] === w);
    }),
  );
  const missing = commands.findIndex((_, k) => !matched[k]);
  if (missing >= 0) {
    const shown = commands[missing]!.slice(0, 3).join(" ");
    return {
      ok: false,
      reason: `"${shown}" is not on the allow-list (voice.ai.run_command.allow: ${rules.map((r) => r.prefix).join(", ") || "empty"})`,
    };
  }
  const first = matched[0]!;
  const needsShell = parsed.shellFeatures.length > 0 || parsed.substitutions.length > 0;
  if (needsShell && !first.shell) {
    return {
      ok: false,
      reason: `it uses ${parsed.shellFeatures.join(", ")}, which needs a shell; the prefix "${first.prefix}" is not allowed one (set shell: true for it in voice.ai.run_command.allow)`,
    };
  }
  const timeout = "timeout_seconds" in first ? first.timeout_seconds : undefined;
  return {
    ok: true,
    plan: {
      argv: needsShell ? [line] : commands[0]!,
      shell: needsShell,
      timeoutMs: timeout === undefined ? undefined : timeout * 1000,
      prefix: first.prefix,
    },
  };
}
