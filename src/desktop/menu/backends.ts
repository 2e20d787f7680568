/**
 * The dmenu protocol as each menu program speaks it: one item per line on stdin, the
 * choice on stdout, exit 1 on cancel. Where a program can print the index of the choice
 * (rofi `-format i`, fzf with a hidden index field) it does, so two items with the same
 * label stay apart; the others print the label, which is made unique first.
 */
export type MenuBackendName = "rofi" | "wofi" | "fuzzel" | "dmenu" | "fzf";

export const MENU_BACKENDS: readonly MenuBackendName[] = ["rofi", "wofi", "fuzzel", "dmenu", "fzf"];

export interface MenuLine {
  label: string;
  icon?: string | undefined;
  meta?: string | undefined;
}

export interface BackendSpec {
  name: MenuBackendName;
  /** Takes over the terminal (stderr stays the user's). */
  terminal: boolean;
  /** `filter` is only for fzf: it picks the best match without a user. */
  args(options: { prompt: string; icons: boolean; filter?: string | undefined }): string[];
  /** The lines to write, in item order. */
  encode(lines: readonly MenuLine[]): string[];
  /** Index of the chosen one of `count` items from the program's stdout, or undefined if it named none. */
  decode(stdout: string, count: number): number | undefined;
  /** Exit codes that mean "the user closed the menu". */
  cancelCodes: readonly number[];
}

const UNSAFE = /[\r\n\t\0\x1f]/;
const UNSAFE_RUNS = /[\r\n\t\0\x1f]+/g;

/** Whether text holds characters that would split a line or break a backend's row options. */
export function needsCleaning(text: string): boolean {
  return UNSAFE.test(text);
}

/** The text without those characters. */
export function clean(text: string): string {
  // Most text has none: a test is cheaper than a replace, 20,000 times over.
  return (needsCleaning(text) ? text.replace(UNSAFE_RUNS, " ") : text).trim();
}

/** Labels made unique for programs that print the label back. */
function uniqueLabels(lines: readonly MenuLine[]): string[] {
  const seen = new Map<string, number>();
  return lines.map((line) => {
    const label = clean(line.label);
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    return count === 1 ? label : `${label} (${count})`;
  });
}

function decodeByText(
  stdout: string,
  encoded: readonly string[],
  labels: readonly string[],
): number | undefined {
  const chosen = stdout.replace(/\r?\n$/, "");
  if (chosen === "") return undefined;
  const byLine = encoded.indexOf(chosen);
  if (byLine >= 0) return byLine;
  const byLabel = labels.indexOf(chosen);
  return byLabel >= 0 ? byLabel : undefined;
}

const rofi: BackendSpec = {
  name: "rofi",
  terminal: false,
  args: ({ prompt, icons }) => [
    "-dmenu",
    "-i",
    "-no-custom",
    "-format",
    "i",
    "-p",
    prompt,
    ...(icons ? ["-show-icons"] : []),
  ],
  // Row options: `text\0icon\x1fPATH\x1fmeta\x1fWORDS`; meta words match but are not shown.
  encode: (lines) =>
    lines.map((line) => {
      const icon = line.icon ? `icon\x1f${clean(line.icon)}` : "";
      const meta = line.meta ? `meta\x1f${clean(line.meta)}` : "";
      const options = icon && meta ? `${icon}\x1f${meta}` : icon || meta;
      return options ? `${clean(line.label)}\0${options}` : clean(line.label);
    }),
  decode: (stdout, count) => {
    const index = Number.parseInt(stdout.trim(), 10);
    return Number.isInteger(index) && index >= 0 && index < count ? index : undefined;
  },
  cancelCodes: [1],
};

function fuzzelSpec(): BackendSpec {
  let labels: string[] = [];
  let encoded: string[] = [];
  return {
    name: "fuzzel",
    terminal: false,
    args: ({ prompt }) => ["--dmenu", "--prompt", `${prompt}> `],
    encode: (lines) => {
      labels = uniqueLabels(lines);
      encoded = lines.map((line, i) =>
        line.icon ? `${labels[i]}\0icon\x1f${clean(line.icon)}` : labels[i]!,
      );
      return encoded;
    },
    decode: (stdout) => decodeByText(stdout, encoded, labels),
    cancelCodes: [1, 2],
  };
}

function wofiSpec(): BackendSpec {
  let labels: string[] = [];
  let encoded: string[] = [];
  return {
    name: "wofi",
    terminal: false,
    args: ({ prompt, icons }) => [
      "--dmenu",
      "--insensitive",
      "--prompt",
      prompt,
      ...(icons ? ["--allow-images"] : []),
    ],
    // wofi draws `img:PATH:text:LABEL` as an icon and a label, and prints the whole line back.
    encode: (lines) => {
      labels = uniqueLabels(lines);
      encoded = lines.map((line, i) =>
        line.icon ? `img:${clean(line.icon)}:text:${labels[i]}` : labels[i]!,
      );
      return encoded;
    },
    decode: (stdout) => decodeByText(stdout, encoded, labels),
    cancelCodes: [1],
  };
}

function dmenuSpec(): BackendSpec {
  let labels: string[] = [];
  return {
    name: "dmenu",
    terminal: false,
    args: ({ prompt }) => ["-i", "-l", "20", "-p", prompt],
    encode: (lines) => {
      labels = uniqueLabels(lines);
      return labels;
    },
    decode: (stdout) => decodeByText(stdout, labels, labels),
    cancelCodes: [1],
  };
}

const fzfFields = ["--delimiter", "\t", "--with-nth", "2..", "--nth", "1,2", "--ansi", "--no-multi"];

/** fzf shows field 2 (the label) and field 3 (meta, dimmed); field 1 is the index it prints back. */
const fzf: BackendSpec = {
  name: "fzf",
  terminal: true,
  args: ({ prompt, filter }) =>
    filter !== undefined
      ? [...fzfFields, "--filter", filter]
      : [
          ...fzfFields,
          "--prompt",
          `${prompt}> `,
          "--layout",
          "reverse",
          "--height",
          "50%",
          "--info",
          "inline",
        ],
  encode: (lines) =>
    lines.map((line, i) => {
      const meta = line.meta ? `\t\x1b[2m${clean(line.meta)}\x1b[0m` : "";
      return `${i}\t${clean(line.label)}${meta}`;
    }),
  decode: (stdout, count) => {
    const first = stdout.split("\n", 1)[0] ?? "";
    const index = Number.parseInt(first.slice(0, first.indexOf("\t")), 10);
    return Number.isInteger(index) && index >= 0 && index < count ? index : undefined;
  },
  // 1: nothing matched (or the filter found nothing), 130: Esc or Ctrl-C.
  cancelCodes: [1, 130],
};

export function backendSpec(name: MenuBackendName): BackendSpec {
  switch (name) {
    case "rofi":
      return rofi;
    case "fzf":
      return fzf;
    case "fuzzel":
      return fuzzelSpec();
    case "wofi":
      return wofiSpec();
    case "dmenu":
      return dmenuSpec();
  }
}

/** The Debian/Arch package that provides each program, for the "install one" hint. */
export const INSTALL_HINT: Readonly<Record<MenuBackendName, string>> = {
  rofi: "rofi",
  wofi: "wofi",
  fuzzel: "fuzzel",
  dmenu: "suckless-tools (dmenu)",
  fzf: "fzf",
};
