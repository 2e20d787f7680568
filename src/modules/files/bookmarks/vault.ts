import { randomBytes } from "node:crypto";
import {
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
} from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { NAME } from "../config.ts";
import { BUKU_SCHEMA } from "./buku-db.ts";
import type { AgeKeys } from "./keys.ts";
import { withLock } from "./lock.ts";

/*
 * Several buku databases in buku's directory, one in use:
 *
 *   bookmarks.db -> work.db     the symlink buku opens; its target names the active one
 *   work.db                     the active database, plaintext (buku needs it so)
 *   personal.db.age             every other database, age-encrypted
 *
 * A switch makes the new plaintext first, then flips the symlink in one rename (the
 * commit), then encrypts the one left and deletes its plaintext. Every intermediate state
 * is recognisable from the files alone, so `recover` (run before every command) finishes
 * or undoes an interrupted switch: a plaintext that is not the active one is always at
 * least as new as its .age (so it is encrypted again, never thrown away), and the active
 * one's .age is stale by definition (so it goes). No bookmark is lost at any point.
 */

export const LINK = "bookmarks.db";
const TMP_PREFIX = ".deskhub-tmp-";
const LOCK = ".deskhub-bookmarks.lock";
const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

export type SwitchStep =
  | "adopted"
  | "decrypted"
  | "created"
  | "switched"
  | "stale-removed"
  | "sealed"
  | "plaintext-removed";

export interface VaultOptions {
  dir: string;
  encrypt: boolean;
  /** The name an unnamed bookmarks.db gets when it is first switched away from. */
  firstName: string;
  /** Loaded only when something is to be encrypted or decrypted. */
  keys: () => Promise<AgeKeys>;
  /** Called after each durable step of a switch; tests stop there to play a crash. */
  onStep?: (step: SwitchStep) => void | Promise<void>;
}

export interface DatabaseInfo {
  name: string;
  active: boolean;
  /** Kept as `<name>.db.age`. */
  encrypted: boolean;
  /** Present as `<name>.db`. */
  plaintext: boolean;
  bytes: number;
}

type LinkState =
  | { kind: "none" }
  | { kind: "named"; name: string }
  /** A regular bookmarks.db, as buku makes it: in use, but not yet named. */
  | { kind: "unnamed"; ino: number }
  | { kind: "foreign"; target: string };

export interface VaultState {
  dir: string;
  active: string | undefined;
  /** bookmarks.db is a plain file not yet named: it becomes `first_name` on the first switch. */
  unnamed: boolean;
  databases: DatabaseInfo[];
}

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code;

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class BookmarkVault {
  readonly dir: string;
  #options: VaultOptions;
  #keys: Promise<AgeKeys> | undefined;

  constructor(options: VaultOptions) {
    this.dir = options.dir;
    this.#options = options;
  }

  get linkPath(): string {
    return join(this.dir, LINK);
  }

  #path(name: string, encrypted = false): string {
    return join(this.dir, `${name}.db${encrypted ? ".age" : ""}`);
  }

  #loadKeys(): Promise<AgeKeys> {
    this.#keys ??= this.#options.keys();
    return this.#keys;
  }

  async #step(step: SwitchStep): Promise<void> {
    await this.#options.onStep?.(step);
  }

  async #link(): Promise<LinkState> {
    const info = await lstat(this.linkPath).catch((error: unknown) => {
      if (errno(error) === "ENOENT") return undefined;
      throw error;
    });
    if (!info) return { kind: "none" };
    if (info.isSymbolicLink()) {
      const target = resolve(this.dir, await readlink(this.linkPath));
      const name = basename(target).replace(/\.db$/, "");
      const ours =
        dirname(target) === resolve(this.dir) &&
        target.endsWith(".db") &&
        NAME.test(name) &&
        name !== "bookmarks";
      return ours ? { kind: "named", name } : { kind: "foreign", target };
    }
    return { kind: "unnamed", ino: info.ino };
  }

  async #names(): Promise<{ plain: Set<string>; sealed: Set<string>; temps: string[] }> {
    const entries = await readdir(this.dir).catch((error: unknown) => {
      if (errno(error) === "ENOENT") return [] as string[];
      throw error;
    });
    const plain = new Set<string>();
    const sealed = new Set<string>();
    const temps: string[] = [];
    for (const entry of entries) {
      if (entry.startsWith(TMP_PREFIX)) temps.push(entry);
      const match = /^(.+)\.db(\.age)?$/.exec(entry);
      if (!match || entry === LINK || !NAME.test(match[1]!)) continue;
      (match[2] ? sealed : plain).add(match[1]!);
    }
    return { plain, sealed, temps };
  }

  /** What is there, without changing anything. */
  async state(): Promise<VaultState> {
    const link = await this.#link();
    const { plain, sealed } = await this.#names();
    const active = link.kind === "named" ? link.name : undefined;
    const databases: DatabaseInfo[] = [];
    for (const name of [...new Set([...plain, ...sealed])].sort()) {
      const isPlain = plain.has(name);
      const size = (await stat(this.#path(name, !isPlain)).catch(() => undefined))?.size ?? 0;
      databases.push({
        name,
        active: name === active,
        encrypted: sealed.has(name),
        plaintext: isPlain,
        bytes: size,
      });
    }
    return { dir: this.dir, active, unnamed: link.kind === "unnamed", databases };
  }

  async #twin(ino: number, plain: Set<string>): Promise<string | undefined> {
    for (const name of plain) {
      if ((await stat(this.#path(name)).catch(() => undefined))?.ino === ino) return name;
    }
    return undefined;
  }

  /** True when the files are not in the steady state (an interrupted switch left them so). */
  async #needsRecovery(): Promise<boolean> {
    const link = await this.#link();
    const { plain, sealed, temps } = await this.#names();
    if (temps.length > 0) return true;
    const active = link.kind === "named" ? link.name : undefined;
    if (link.kind === "unnamed" && (await this.#twin(link.ino, plain))) return true;
    if (active && (!plain.has(active) || sealed.has(active))) return true;
    return this.#options.encrypt && [...plain].some((name) => name !== active);
  }

  /** buku's own `--lock` leaves bookmarks.db.enc, which buku refuses to open beside a plain one. */
  async #refuseBukuLock(): Promise<void> {
    if (await exists(join(this.dir, `${LINK}.enc`))) {
      throw new UserError(`buku's own encryption is on: ${join(this.dir, `${LINK}.enc`)}`, {
        code: ExitCode.config,
        hint: "unlock it with buku -k first; deskhub keeps databases encrypted with age instead",
      });
    }
  }

  /** Brings the directory to the steady state; returns what it did, for the log. */
  async recover(): Promise<string[]> {
    await this.#refuseBukuLock();
    if (!(await this.#needsRecovery())) return [];
    return withLock(join(this.dir, LOCK), () => this.#recover());
  }

  async #recover(): Promise<string[]> {
    const done: string[] = [];
    const names = await this.#names();
    for (const temp of names.temps) {
      await rm(join(this.dir, temp), { force: true });
      done.push(`removed the leftover ${temp}`);
    }
    let link = await this.#link();
    if (link.kind === "unnamed") {
      const twin = await this.#twin(link.ino, names.plain);
      if (twin) {
        await this.#swapLink(twin);
        link = { kind: "named", name: twin };
        done.push(`finished naming bookmarks.db "${twin}"`);
      }
    }
    const active = link.kind === "named" ? link.name : undefined;
    if (active && !names.plain.has(active)) {
      if (!names.sealed.has(active)) {
        throw new UserError(`bookmarks.db points to ${active}.db, which is gone`, {
          code: ExitCode.dataErr,
          hint: `restore ${this.#path(active)} from a backup, or remove the link: rm ${this.linkPath}`,
        });
      }
      await this.#writeDurably(this.#path(active), await this.#decrypt(active));
      names.plain.add(active);
      done.push(`restored ${active}.db from ${active}.db.age`);
    }
    if (active && names.sealed.has(active)) {
      await rm(this.#path(active, true));
      await fsyncDir(this.dir);
      done.push(`removed the stale ${active}.db.age (the database is in use)`);
    }
    if (this.#options.encrypt) {
      for (const name of names.plain) {
        if (name === active) continue;
        await this.#seal(name);
        done.push(`encrypted ${name}.db, which is not in use`);
      }
    }
    return done;
  }

  /** Makes NAME the active database; `create` starts an empty one if there is none. */
  async use(
    name: string,
    options: { create?: boolean } = {},
  ): Promise<{ from: string | undefined; to: string; changed: boolean }> {
    if (!NAME.test(name) || name === "bookmarks") {
      throw new UserError(`"${name}" cannot name a bookmark database`, {
        code: ExitCode.usage,
        hint: 'use letters, digits, - and _ ("bookmarks" is the name buku opens)',
      });
    }
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.#refuseBukuLock();
    // Keys first: a switch that cannot encrypt or decrypt must not start.
    if (this.#options.encrypt) await this.#loadKeys();
    return withLock(join(this.dir, LOCK), async () => {
      await this.#recover();
      let link = await this.#link();
      if (link.kind === "named" && link.name === name) return { from: name, to: name, changed: false };
      if (link.kind === "foreign") {
        throw new UserError(`${this.linkPath} links to ${link.target}, outside deskhub's databases`, {
          code: ExitCode.config,
          hint: `move that database into ${this.dir} as NAME.db and link it, or remove the link`,
        });
      }
      if (link.kind === "unnamed") {
        await this.#adopt(this.#options.firstName);
        link = { kind: "named", name: this.#options.firstName };
        if (name === this.#options.firstName) return { from: undefined, to: name, changed: true };
      }
      const from = link.kind === "named" ? link.name : undefined;
      await this.#bringIn(name, options.create ?? false);
      await this.#swapLink(name);
      await this.#step("switched");
      if (await exists(this.#path(name, true))) {
        await rm(this.#path(name, true));
        await fsyncDir(this.dir);
        await this.#step("stale-removed");
      }
      if (from && this.#options.encrypt) await this.#seal(from);
      return { from, to: name, changed: true };
    });
  }

  /** Gives a plain, unnamed bookmarks.db its first name: a hard link, then the symlink. */
  async #adopt(name: string): Promise<void> {
    if ((await exists(this.#path(name))) || (await exists(this.#path(name, true)))) {
      throw new UserError(`bookmarks.db has no name yet, and "${name}" is taken by another database`, {
        code: ExitCode.config,
        hint: "set files.bookmarks.first_name in config.yaml to a free name for it",
      });
    }
    await this.#settle(this.linkPath);
    await link(this.linkPath, this.#path(name));
    await fsyncDir(this.dir);
    await this.#swapLink(name);
    await this.#step("adopted");
  }

  async #bringIn(name: string, create: boolean): Promise<void> {
    if (await exists(this.#path(name))) return;
    if (await exists(this.#path(name, true))) {
      await this.#writeDurably(this.#path(name), await this.#decrypt(name));
      await this.#step("decrypted");
      return;
    }
    if (!create) {
      const known = (await this.state()).databases.map((db) => db.name);
      throw new UserError(
        `no bookmark database named "${name}"${known.length ? ` (there are: ${known.join(", ")})` : ""}`,
        {
          code: ExitCode.usage,
          hint: `start an empty one with: deskhub bookmarks use ${name} --create`,
        },
      );
    }
    await this.#createEmpty(this.#path(name));
    await this.#step("created");
  }

  async #decrypt(name: string): Promise<Buffer> {
    const { identities } = await this.#loadKeys();
    const { decryptWithAge } = await import("../../../core/secrets/age.ts");
    const file = this.#path(name, true);
    const plain = Buffer.from(
      await decryptWithAge(await readFile(file), identities, `the bookmark database ${file}`),
    );
    if (!plain.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) {
      throw new UserError(`${file} decrypts, but not to a SQLite database`, {
        code: ExitCode.dataErr,
        hint: "it was not made by deskhub; decrypt it with age -d to see what it holds",
      });
    }
    return plain;
  }

  /**
   * Encrypts a database that is not in use and deletes its plaintext, once the .age is
   * on disk and proven to decrypt back to the same bytes.
   */
  async #seal(name: string): Promise<void> {
    const { identities, recipients } = await this.#loadKeys();
    const { decryptWithAge, encryptWithAge } = await import("../../../core/secrets/age.ts");
    const path = this.#path(name);
    for (let attempt = 0; ; attempt++) {
      await this.#settle(path);
      const before = await stat(path);
      const plain = await readFile(path);
      const sealed = await encryptWithAge(plain, recipients);
      const back = await decryptWithAge(sealed, identities, `the new ${name}.db.age`);
      if (!Buffer.from(back).equals(plain)) {
        throw new UserError(`encrypting ${path} did not round-trip; the plaintext is kept`, {
          code: ExitCode.software,
        });
      }
      await this.#writeDurably(this.#path(name, true), sealed);
      await this.#step("sealed");
      const after = await stat(path);
      // A program still holding the old database open (buku) wrote meanwhile: seal again.
      if (after.mtimeMs !== before.mtimeMs || after.size !== before.size) {
        if (attempt < 3) continue;
        throw new UserError(`${path} keeps changing while it is being encrypted`, {
          code: ExitCode.unavailable,
          hint: "close the program that has it open (buku), then run any deskhub bookmarks command",
        });
      }
      break;
    }
    for (const suffix of ["", "-journal", "-wal", "-shm"]) await rm(`${path}${suffix}`, { force: true });
    await fsyncDir(this.dir);
    await this.#step("plaintext-removed");
  }

  /** Rolls back a hot journal and checkpoints a WAL, so the file alone is the database. */
  async #settle(path: string): Promise<void> {
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(path);
    try {
      db.exec("PRAGMA busy_timeout = 5000");
      db.prepare("SELECT count(*) FROM sqlite_master").get();
      const mode = db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
      if (mode.journal_mode === "wal") db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } finally {
      db.close();
    }
  }

  #tempPath(label: string): string {
    return join(this.dir, `${TMP_PREFIX}${label}-${process.pid}-${randomBytes(4).toString("hex")}`);
  }

  async #writeDurably(path: string, data: Uint8Array): Promise<void> {
    const temp = this.#tempPath(basename(path));
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    await fsyncDir(this.dir);
  }

  async #createEmpty(path: string): Promise<void> {
    const { DatabaseSync } = await import("node:sqlite");
    const temp = this.#tempPath(basename(path));
    const db = new DatabaseSync(temp);
    try {
      db.exec(BUKU_SCHEMA);
    } finally {
      db.close();
    }
    const handle = await open(temp, "r+");
    try {
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    await fsyncDir(this.dir);
  }

  /** Points bookmarks.db at NAME.db in one rename, the commit point of a switch. */
  async #swapLink(name: string): Promise<void> {
    const temp = this.#tempPath("link");
    await symlink(`${name}.db`, temp);
    await rename(temp, this.linkPath);
    await fsyncDir(this.dir);
  }
}
