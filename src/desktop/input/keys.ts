/**
 * Key names to Linux input key codes (linux/input-event-codes.h). Accepted spellings:
 * the old script's pynput names (`ctrl_r`, `shift_r`, `esc`), evdev names
 * (`KEY_RIGHTCTRL`), plain words (`right ctrl`, `Escape`) and a bare number.
 */
const CODES: Record<string, number> = {
  esc: 1,
  minus: 12,
  equal: 13,
  backspace: 14,
  tab: 15,
  leftbrace: 26,
  rightbrace: 27,
  enter: 28,
  leftctrl: 29,
  semicolon: 39,
  apostrophe: 40,
  grave: 41,
  leftshift: 42,
  backslash: 43,
  comma: 51,
  dot: 52,
  slash: 53,
  rightshift: 54,
  kpasterisk: 55,
  leftalt: 56,
  space: 57,
  capslock: 58,
  numlock: 69,
  scrolllock: 70,
  rightctrl: 97,
  sysrq: 99,
  rightalt: 100,
  home: 102,
  up: 103,
  pageup: 104,
  left: 105,
  right: 106,
  end: 107,
  down: 108,
  pagedown: 109,
  insert: 110,
  delete: 111,
  pause: 119,
  leftmeta: 125,
  rightmeta: 126,
  compose: 127,
};
const LETTERS = "qwertyuiop|asdfghjkl|zxcvbnm";
const LETTER_START = [16, 30, 44];
LETTERS.split("|").forEach((row, r) => {
  for (let i = 0; i < row.length; i++) CODES[row[i]!] = LETTER_START[r]! + i;
});
for (let d = 1; d <= 9; d++) CODES[String(d)] = d + 1;
CODES["0"] = 11;
for (let f = 1; f <= 10; f++) CODES[`f${f}`] = 58 + f;
CODES.f11 = 87;
CODES.f12 = 88;
for (let f = 13; f <= 24; f++) CODES[`f${f}`] = 170 + f;

const ALIASES: Record<string, string> = {
  escape: "esc",
  ctrl_r: "rightctrl",
  right_ctrl: "rightctrl",
  right_control: "rightctrl",
  rctrl: "rightctrl",
  control_r: "rightctrl",
  ctrl_l: "leftctrl",
  ctrl: "leftctrl",
  control: "leftctrl",
  left_ctrl: "leftctrl",
  left_control: "leftctrl",
  lctrl: "leftctrl",
  control_l: "leftctrl",
  shift_r: "rightshift",
  right_shift: "rightshift",
  rshift: "rightshift",
  shift_l: "leftshift",
  shift: "leftshift",
  left_shift: "leftshift",
  lshift: "leftshift",
  alt_r: "rightalt",
  alt_gr: "rightalt",
  altgr: "rightalt",
  right_alt: "rightalt",
  ralt: "rightalt",
  alt_l: "leftalt",
  alt: "leftalt",
  left_alt: "leftalt",
  lalt: "leftalt",
  cmd: "leftmeta",
  cmd_l: "leftmeta",
  super: "leftmeta",
  super_l: "leftmeta",
  meta: "leftmeta",
  win: "leftmeta",
  cmd_r: "rightmeta",
  super_r: "rightmeta",
  right_super: "rightmeta",
  menu: "compose",
  caps_lock: "capslock",
  scroll_lock: "scrolllock",
  num_lock: "numlock",
  print_screen: "sysrq",
  print: "sysrq",
  page_up: "pageup",
  page_down: "pagedown",
  return: "enter",
};

function normalise(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/^key\./, "")
    .replace(/^key_/, "")
    .replace(/[\s-]+/g, "_");
}

/** The key code for a name, or undefined when the name is unknown. */
export function keyCode(name: string): number | undefined {
  if (/^\d+$/.test(name.trim())) return Number(name.trim());
  const key = normalise(name);
  return CODES[ALIASES[key] ?? key] ?? CODES[key.replaceAll("_", "")];
}

const NAMES = new Map(Object.entries(CODES).map(([name, code]) => [code, name]));

/** A readable name for a code, for messages and the dashboard. */
export function keyName(code: number): string {
  return NAMES.get(code) ?? `key ${code}`;
}

/** Modifier codes: held while typing they turn text into shortcuts. */
export const MODIFIERS: ReadonlySet<number> = new Set([29, 42, 54, 56, 97, 100, 125, 126]);

/** XKB keysym names, which the desktop portal's shortcut triggers use. */
const KEYSYMS: Record<number, string> = {
  1: "Escape",
  29: "Control_L",
  42: "Shift_L",
  54: "Shift_R",
  56: "Alt_L",
  97: "Control_R",
  100: "Alt_R",
  125: "Super_L",
  126: "Super_R",
  57: "space",
};

export function keysym(code: number): string {
  return KEYSYMS[code] ?? (NAMES.get(code)?.length === 1 ? NAMES.get(code)! : keyName(code).toUpperCase());
}
