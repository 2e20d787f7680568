import type { Command } from "commander";
import { ExitCode, UserError } from "../../core/errors.ts";

interface Node {
  path: string[];
  subcommands: string[];
  options: string[];
}

function walk(command: Command, path: string[] = []): Node[] {
  const node: Node = {
    path,
    subcommands: command.commands.map((c) => c.name()),
    options: command.options.flatMap((o) => [o.long, o.short].filter((x): x is string => Boolean(x))),
  };
  return [node, ...command.commands.flatMap((c) => walk(c, [...path, c.name()]))];
}

function bash(nodes: Node[]): string {
  const cases = nodes
    .map(
      (n) => `    "${n.path.join(" ")}") words="${[...n.subcommands, ...n.options, "--help"].join(" ")}" ;;`,
    )
    .join("\n");
  return `# deskhub bash completion: eval "$(deskhub completion bash)"
_deskhub() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" words="" w
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$w" in -*) ;; *) path="\${path:+$path }$w" ;; esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -F _deskhub deskhub
`;
}

function zsh(nodes: Node[]): string {
  return `#compdef deskhub
# deskhub zsh completion: deskhub completion zsh > "\${fpath[1]}/_deskhub"
autoload -U bashcompinit && bashcompinit
${bash(nodes)}`;
}

function fish(nodes: Node[]): string {
  const lines = [
    "# deskhub fish completion: deskhub completion fish > ~/.config/fish/completions/deskhub.fish",
    "complete -c deskhub -f",
  ];
  for (const n of nodes) {
    const condition =
      n.path.length === 0 ? "__fish_use_subcommand" : `__fish_seen_subcommand_from ${n.path.at(-1)}`;
    for (const sub of n.subcommands) lines.push(`complete -c deskhub -n '${condition}' -a '${sub}'`);
    for (const option of n.options.filter((o) => o.startsWith("--"))) {
      lines.push(`complete -c deskhub -n '${condition}' -l '${option.slice(2)}'`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function registerCompletion(program: Command): void {
  program
    .command("completion <shell>")
    .description("print a completion script for bash, zsh or fish")
    .addHelpText("after", '\nExample:\n  eval "$(deskhub completion bash)"   # in ~/.bashrc')
    .action((shell: string) => {
      const nodes = walk(program);
      const generators: Record<string, (n: Node[]) => string> = { bash, zsh, fish };
      const generate = generators[shell];
      if (!generate)
        throw new UserError(`no completion for "${shell}"`, {
          code: ExitCode.usage,
          hint: "use bash, zsh or fish",
        });
      process.stdout.write(generate(nodes));
    });
}
