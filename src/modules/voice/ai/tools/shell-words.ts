/** A word of a command line, unquoted, or an operator between commands. */
export type Token = { kind: "word"; value: string } | { kind: "op"; value: string };

export interface ParsedLine {
  tokens: Token[];
  /** `$(...)`, backtick and `<(...)` bodies: commands the shell would run too. */
  substitutions: string[];
  /** What only a shell gives meaning to (pipes, redirections, variables, globs), for the error message. */
  shellFeatures: string[];
}

const REDIRECTS = new Set([">", ">>", "<", "<<", "&>", ">&", "<&", ">|", "<>"]);
const OPERATORS = [
  "&&",
  "||",
  "|&",
  ">>",
  "<<",
  ";;",
  "&>",
  ">&",
  "<&",
  ">|",
  "<>",
  "|",
  "&",
  ";",
  ">",
  "<",
  "\n",
];
const GLOB = /[*?[]/;

/**
 * Splits a command line the way a POSIX shell would tokenize it, without running or
 * expanding anything: quotes and backslashes are honoured, operators are separate
 * tokens, and every shell-only feature is noted, so a line can be run with execFile
 * when it has none and checked word by word when it has some.
 */
export function parseLine(line: string): ParsedLine {
  const tokens: Token[] = [];
  const substitutions: string[] = [];
  const features = new Set<string>();
  let word = "";
  let inWord = false;
  let i = 0;

  const endWord = () => {
    if (inWord) tokens.push({ kind: "word", value: word });
    word = "";
    inWord = false;
  };

  /** Reads a balanced `$(`...`)` body starting after the opening paren. */
  const readParens = (start: number): number => {
    let depth = 1;
    let j = start;
    let quote: string | undefined;
    while (j < line.length && depth > 0) {
      const c = line[j]!;
      if (quote) {
        if (c === quote) quote = undefined;
        else if (c === "\\" && quote === '"') j++;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === "\\") j++;
      else if (c === "(") depth++;
      else if (c === ")") depth--;
      j++;
    }
    substitutions.push(line.slice(start, depth === 0 ? j - 1 : j));
    return j;
  };

  const readBackticks = (start: number): number => {
    let j = start;
    while (j < line.length && line[j] !== "`") j += line[j] === "\\" ? 2 : 1;
    substitutions.push(line.slice(start, j));
    return j + 1;
  };

  while (i < line.length) {
    const c = line[i]!;
    if (c === " " || c === "\t") {
      endWord();
      i++;
      continue;
    }
    if (c === "#" && !inWord) {
      features.add("a comment");
      break;
    }
    if ((c === "<" || c === ">") && line[i + 1] === "(") {
      endWord();
      features.add("process substitution");
      i = readParens(i + 2);
      tokens.push({ kind: "word", value: "" });
      continue;
    }
    const op = OPERATORS.find((o) => line.startsWith(o, i));
    if (op) {
      endWord();
      tokens.push({ kind: "op", value: op });
      features.add(op === "\n" ? "several lines" : `"${op}"`);
      i += op.length;
      continue;
    }
    inWord = true;
    if (c === "\\") {
      word += line[i + 1] ?? "";
      i += 2;
      continue;
    }
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      const end = close < 0 ? line.length : close;
      word += line.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        const d = line[i]!;
        if (d === "\\" && '"\\$`\n'.includes(line[i + 1] ?? "")) {
          word += line[i + 1];
          i += 2;
        } else if (d === "$" && line[i + 1] === "(") {
          features.add("command substitution");
          i = readParens(i + 2);
        } else if (d === "`") {
          features.add("command substitution");
          i = readBackticks(i + 1);
        } else {
          if (d === "$" && /[A-Za-z_{0-9@*#?$!-]/.test(line[i + 1] ?? "")) features.add("variables");
          word += d;
          i++;
        }
      }
      i++;
      continue;
    }
    if (c === "$" && line[i + 1] === "(") {
      features.add("command substitution");
      i = readParens(i + 2);
      continue;
    }
    if (c === "`") {
      features.add("command substitution");
      i = readBackticks(i + 1);
      continue;
    }
    if (c === "$" && /[A-Za-z_{0-9@*#?$!-]/.test(line[i + 1] ?? "")) features.add("variables");
    if (GLOB.test(c)) features.add("wildcards");
    if (c === "~" && word === "") features.add("~ expansion");
    word += c;
    i++;
  }
  endWord();
  return { tokens, substitutions, shellFeatures: [...features] };
}

/** The words of each simple command, split at `|`, `&&`, `;` and the like. */
export function simpleCommands(tokens: readonly Token[]): string[][] {
  const out: string[][] = [[]];
  for (const token of tokens) {
    if (token.kind === "word") out.at(-1)!.push(token.value);
    else if (REDIRECTS.has(token.value)) out.at(-1)!.push(token.value);
    else out.push([]);
  }
  return out.filter((words) => words.length > 0);
}

/** Simple commands grouped into pipelines (connected by `|` or `|&`). */
export function pipelines(tokens: readonly Token[]): string[][][] {
  const out: string[][][] = [[[]]];
  for (const token of tokens) {
    const pipeline = out.at(-1)!;
    if (token.kind === "word") pipeline.at(-1)!.push(token.value);
    else if (token.value === "|" || token.value === "|&") pipeline.push([]);
    else if (REDIRECTS.has(token.value)) pipeline.at(-1)!.push(token.value);
    else out.push([[]]);
  }
  return out.map((p) => p.filter((c) => c.length > 0)).filter((p) => p.length > 0);
}

/** Splits a configured prefix such as `git log --oneline` into words. */
export function prefixWords(prefix: string): string[] {
  return simpleCommands(parseLine(prefix).tokens)[0] ?? [];
}
