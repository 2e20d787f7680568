import { z } from "zod";
import { duration } from "../../core/config/fields.ts";
import { MENU_BACKENDS } from "../../desktop/menu/backends.ts";

/** A list or database name becomes a file name: no slashes, no dots, no surprises. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const name = () => z.string().regex(NAME, "letters, digits, - and _ (a file name without extension)");

export const FilesConfig = z.object({
  /** Which menu program `recent open` and `bookmarks open` use. */
  menu: z.enum(["auto", ...MENU_BACKENDS]).default("auto"),
  /** What opens a file or URL; the path is appended. */
  open_command: z.array(z.string().min(1)).min(1).default(["xdg-open"]),
  recent: z
    .object({
      /** The old scripts' directory: one fre store per list, `<dir>/<list>.json`. Empty: $XDG_DATA_HOME/frecent. */
      lists_dir: z.string().default(""),
      default_list: name().default("files"),
      /** Lists kept elsewhere, e.g. `{ fre: ~/.local/share/fre/fre.json }`. */
      stores: z.record(z.string().regex(NAME), z.string().min(1)).default({}),
      /** Half-life of a visit's weight in new stores (fre's default: 3 days). */
      half_life: duration().default(259_200),
      /** Cleanup keeps this many entries per list, best first; 0 keeps all. */
      keep: z.number().int().nonnegative().default(1000),
      /** How often the daemon cleans every list up; 0 turns the timer off. */
      cleanup_interval: duration().default(86_400),
      /** Feed the default list from the desktop's recently-used.xbel. */
      xbel: z.boolean().default(false),
      /** Empty: $XDG_DATA_HOME/recently-used.xbel. */
      xbel_file: z.string().default(""),
    })
    .prefault({}),
  bookmarks: z
    .object({
      /** buku's directory. Empty: $XDG_DATA_HOME/buku. */
      dir: z.string().default(""),
      /** Keep every database that is not in use encrypted with age. */
      encrypt: z.boolean().default(true),
      /** Who can decrypt them; empty: the public keys of your own age identities. */
      recipients: z.array(z.string().regex(/^age1[0-9a-z]+$/, "an age recipient (age1...)")).default([]),
      /** An age identity file besides SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and ~/.config/sops/age/keys.txt. */
      identity_file: z.string().default(""),
      /** The name an existing, unnamed bookmarks.db gets when you first switch away from it. */
      first_name: name().default("default"),
      /** Fetch the page title when `bookmarks add` is given none, as buku does. */
      fetch_titles: z.boolean().default(true),
    })
    .prefault({}),
});

export type FilesConfig = z.output<typeof FilesConfig>;
