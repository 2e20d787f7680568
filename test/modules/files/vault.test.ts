import {
  copyFileSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { afterEach, describe, expect, it } from "vitest";
import { ExitCode, UserError } from "../../../src/core/errors.ts";
import { type Paths, resolvePaths } from "../../../src/core/paths.ts";
import { decryptWithAge } from "../../../src/core/secrets/age.ts";
import { BukuDb } from "../../../src/modules/files/bookmarks/buku-db.ts";
import { openVault } from "../../../src/modules/files/bookmarks/setup.ts";
import type { SwitchStep } from "../../../src/modules/files/bookmarks/vault.ts";
import { FilesConfig } from "../../../src/modules/files/config.ts";
import { bukuAdd, bukuBulkAdd, bukuPrint } from "../../fixtures/files/buku.ts";
import { makeSandbox, repoRoot, runCli, type Sandbox, spawnCli } from "../../helpers/sandbox.ts";

const keyText = readFileSync(join(repoRoot, "test/fixtures/sops/key.txt"), "utf8");
const identity = keyText.split("\n").find((line) => line.startsWith("AGE-SECRET-KEY-1"))!;

let sandbox: Sandbox | undefined;
let env: NodeJS.ProcessEnv;
let paths: Paths;
let dir: string;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
});

function setup(): void {
  sandbox = makeSandbox();
  const keyFile = join(sandbox.root, "age-key.txt");
  writeFileSync(keyFile, keyText, { mode: 0o600 });
  env = { ...sandbox.env, SOPS_AGE_KEY_FILE: keyFile };
  paths = resolvePaths(env);
  dir = join(env.XDG_DATA_HOME!, "buku");
}

const settings = (extra: Record<string, unknown> = {}) =>
  FilesConfig.parse({ bookmarks: { first_name: "personal", ...extra } }).bookmarks;

const vault = (onStep?: (step: SwitchStep) => void) => openVault(settings(), env, paths, onStep);

function pages(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    url: `https://${prefix}.example.org/page/${i}`,
    title: `${prefix} page ${i}`,
    tags: `${prefix},n${i % 5}`,
    description: `notes about ${prefix} ${i}`,
  }));
}

async function urlsOf(path: string): Promise<string[]> {
  const db = await BukuDb.open(path, { create: false });
  try {
    return db
      .all()
      .map((b) => b.url)
      .sort();
  } finally {
    db.close();
  }
}

/** The bookmarks a database holds, from its plaintext if there is one (it is never older), else its .age. */
async function recoverable(name: string): Promise<string[]> {
  const plain = join(dir, `${name}.db`);
  if (readdirSync(dir).includes(`${name}.db`)) return urlsOf(plain);
  const bytes = await decryptWithAge(readFileSync(join(dir, `${name}.db.age`)), [identity]);
  const scratch = mkdtempSync(join(tmpdir(), "deskhub-age-"));
  try {
    writeFileSync(join(scratch, "db"), bytes);
    return await urlsOf(join(scratch, "db"));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The steady state: bookmarks.db -> ACTIVE.db in plaintext, every other database only as .age. */
function expectSteady(active: string, others: readonly string[]): void {
  expect(lstatSync(join(dir, "bookmarks.db")).isSymbolicLink()).toBe(true);
  expect(readlinkSync(join(dir, "bookmarks.db"))).toBe(`${active}.db`);
  const files = readdirSync(dir)
    .filter((f) => !f.startsWith(".deskhub-bookmarks.lock"))
    .sort();
  expect(files).toEqual(["bookmarks.db", `${active}.db`, ...others.map((name) => `${name}.db.age`)].sort());
  for (const name of others) {
    const sealed = readFileSync(join(dir, `${name}.db.age`));
    expect(sealed.subarray(0, 22).toString()).toBe("age-encryption.org/v1\n");
    expect(sealed.includes(Buffer.from("example.org"))).toBe(false);
    expect(lstatSync(join(dir, `${name}.db.age`)).mode & 0o077).toBe(0);
  }
}

/** personal (made by buku as a plain bookmarks.db) and work, with work in use. */
async function twoDatabases(personal = 40, work = 30) {
  await bukuBulkAdd(env, pages("personal", personal));
  await vault().use("work", { create: true });
  await bukuBulkAdd(env, pages("work", work));
  return {
    personal: pages("personal", personal)
      .map((p) => p.url)
      .sort(),
    work: pages("work", work)
      .map((p) => p.url)
      .sort(),
  };
}

describe("several buku databases, one in use, the rest encrypted", () => {
  it("switches between databases buku made, and every bookmark survives", async () => {
    setup();
    await bukuAdd(env, { url: "https://lwn.net/", title: "LWN.net", tags: "news,linux" });
    await bukuAdd(env, { url: "https://docs.python.org/3/", title: "Python docs", tags: "python" });
    const first = await vault().use("work", { create: true });
    expect(first).toEqual({ from: "personal", to: "work", changed: true });
    expectSteady("work", ["personal"]);
    expect(await bukuPrint(env)).toEqual([]);

    // buku writes through the symlink into work.db.
    await bukuAdd(env, { url: "https://intranet.example.com/wiki", title: "Team wiki", tags: "work" });
    expect((await bukuPrint(env)).map((b) => b.uri)).toEqual(["https://intranet.example.com/wiki"]);

    await vault().use("personal");
    expectSteady("personal", ["work"]);
    expect((await bukuPrint(env)).map((b) => b.uri)).toEqual([
      "https://lwn.net/",
      "https://docs.python.org/3/",
    ]);
    expect((await bukuPrint(env))[0]).toMatchObject({ title: "LWN.net", tags: "linux,news" });

    expect(await vault().use("personal")).toEqual({ from: "personal", to: "personal", changed: false });
    await vault().use("work");
    expectSteady("work", ["personal"]);
    expect((await bukuPrint(env)).map((b) => b.uri)).toEqual(["https://intranet.example.com/wiki"]);

    const listed = await runCli(["bookmarks", "list", "--json"], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      active: "work",
      unnamed: false,
      bookmarks: 1,
      databases: [
        { name: "personal", active: false, encrypted: true, plaintext: false },
        { name: "work", active: true, encrypted: false, plaintext: true },
      ],
    });
  });

  it("refuses to switch to a database that does not exist, unless asked to create it", async () => {
    setup();
    await twoDatabases(3, 2);
    const error = await vault()
      .use("family")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(
      'no bookmark database named "family" (there are: personal, work)',
    );
    expect((error as UserError).hint).toContain("--create");
    expectSteady("work", ["personal"]);
  });

  const switchSteps: SwitchStep[] = ["decrypted", "switched", "stale-removed", "sealed", "plaintext-removed"];

  it.each(switchSteps)(
    "a switch interrupted after %s leaves every bookmark recoverable and recovers",
    async (step) => {
      setup();
      const expected = await twoDatabases();
      const crash = vault((reached) => {
        if (reached === step) throw new Error(`crash after ${step}`);
      });
      await expect(crash.use("personal")).rejects.toThrow(`crash after ${step}`);

      // As the crash left it: both databases whole, in plaintext or in their .age.
      expect(await recoverable("personal")).toEqual(expected.personal);
      expect(await recoverable("work")).toEqual(expected.work);

      // The next command finishes (after the commit) or undoes (before it) the switch.
      const actions = await vault().recover();
      if (step !== "plaintext-removed") expect(actions.length).toBeGreaterThan(0);
      const committed = step !== "decrypted";
      expectSteady(committed ? "personal" : "work", [committed ? "work" : "personal"]);
      expect(await recoverable("personal")).toEqual(expected.personal);
      expect(await recoverable("work")).toEqual(expected.work);

      await vault().use(committed ? "work" : "personal");
      expectSteady(committed ? "work" : "personal", [committed ? "personal" : "work"]);
      expect(await vault().recover()).toEqual([]);
    },
  );

  it.each(["adopted", "created"] as const)(
    "naming the first database, interrupted after %s, recovers",
    async (step) => {
      setup();
      await bukuBulkAdd(env, pages("personal", 25));
      const crash = vault((reached) => {
        if (reached === step) throw new Error("crash");
      });
      await expect(crash.use("work", { create: true })).rejects.toThrow("crash");
      await vault().recover();
      expectSteady("personal", step === "created" ? ["work"] : []);
      expect(await recoverable("personal")).toEqual(
        pages("personal", 25)
          .map((p) => p.url)
          .sort(),
      );
      await vault().use("work", { create: true });
      expectSteady("work", ["personal"]);
    },
  );

  it("survives kill -9 of `deskhub bookmarks use` at any moment", async () => {
    setup();
    const expected = await twoDatabases(6_000, 5_000);
    const lock = join(dir, ".deskhub-bookmarks.lock");

    /** Runs the real CLI; from the moment it holds the lock, kills it after `delay` ms. */
    async function switchTo(target: string, delay: number | undefined): Promise<number> {
      const child = spawnCli(["bookmarks", "use", target], env);
      const holds = () => {
        try {
          return readFileSync(lock, "utf8") === String(child.pid);
        } catch {
          return false;
        }
      };
      while (!holds() && child.exitCode === null) await new Promise((resolve) => setImmediate(resolve));
      const locked = performance.now();
      if (delay !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        child.kill("SIGKILL");
      }
      await child.exited;
      return performance.now() - locked;
    }

    // How long a whole switch holds the lock here; the kills are spread over that time.
    const whole = await switchTo("personal", undefined);
    expectSteady("personal", ["work"]);
    const outcomes: string[] = [];
    let target = "work";
    for (const fraction of [0.1, 0.3, 0.5, 0.7, 0.9, 1.2]) {
      await switchTo(target, Math.round(fraction * whole));
      // Whatever the moment, both databases are whole on disk...
      expect(await recoverable("personal")).toEqual(expected.personal);
      expect(await recoverable("work")).toEqual(expected.work);
      // ...and the next command brings the files back to the steady state.
      const actions = await vault().recover();
      const active = readlinkSync(join(dir, "bookmarks.db")).replace(/\.db$/, "");
      expectSteady(active, [active === "work" ? "personal" : "work"]);
      outcomes.push(
        `${Math.round(fraction * whole)} ms: ${active} in use; ${actions.join("; ") || "nothing to recover"}`,
      );
      target = active === "work" ? "personal" : "work";
    }
    console.log(`a switch holds the lock ${Math.round(whole)} ms; killed at\n  ${outcomes.join("\n  ")}`);
  }, 90_000);

  it("changes nothing when your key cannot decrypt the chosen database", async () => {
    setup();
    await twoDatabases(5, 5);
    const before = readdirSync(dir).sort();
    const stranger = await generateIdentity();
    const other = { ...sandbox!.env, SOPS_AGE_KEY: stranger };
    const error = await openVault(settings(), other, resolvePaths(other))
      .use("personal")
      .catch((e: unknown) => e);
    expect((error as UserError).code).toBe(ExitCode.noPerm);
    expect((error as UserError).message).toContain("none of your age keys can decrypt");
    expect(readdirSync(dir).sort()).toEqual(before);
    expectSteady("work", ["personal"]);
  });

  it("refuses recipients that are none of yours before touching anything", async () => {
    setup();
    await twoDatabases(5, 5);
    const someoneElse = await identityToRecipient(await generateIdentity());
    const error = await openVault(settings({ recipients: [someoneElse] }), env, paths)
      .use("personal")
      .catch((e: unknown) => e);
    expect((error as UserError).code).toBe(ExitCode.config);
    expect((error as UserError).hint).toContain(await identityToRecipient(identity));
    expectSteady("work", ["personal"]);
  });

  it("refuses a key file others can read, with the chmod that fixes it", async () => {
    setup();
    await bukuBulkAdd(env, pages("personal", 2));
    const loose = join(sandbox!.root, "loose.txt");
    writeFileSync(loose, keyText, { mode: 0o644 });
    const result = await runCli(["bookmarks", "use", "work", "--create"], {
      ...env,
      SOPS_AGE_KEY_FILE: loose,
    });
    expect(result.code).toBe(77);
    expect(result.stderr).toContain(`chmod 600 ${loose}`);
    expect(lstatSync(join(dir, "bookmarks.db")).isFile()).toBe(true);
  });

  it("stays away from a database locked with buku's own encryption", async () => {
    setup();
    await bukuBulkAdd(env, pages("personal", 2));
    // What `buku --lock` leaves: the encrypted file next to (here, instead of) bookmarks.db.
    copyFileSync(join(dir, "bookmarks.db"), join(dir, "bookmarks.db.enc"));
    rmSync(join(dir, "bookmarks.db"));
    for (const attempt of [vault().recover(), vault().use("work", { create: true })]) {
      const error = await attempt.catch((e: unknown) => e);
      expect((error as UserError).message).toContain("buku's own encryption is on");
      expect((error as UserError).hint).toContain("buku -k");
    }
    expect(readdirSync(dir).sort()).toEqual(["bookmarks.db.enc"]);
  });

  it("keeps databases in plaintext when encryption is off", async () => {
    setup();
    await bukuBulkAdd(env, pages("personal", 4));
    const plain = openVault(settings({ encrypt: false }), { ...sandbox!.env }, paths);
    await plain.use("work", { create: true });
    await plain.use("personal");
    expect(readdirSync(dir).sort()).toEqual(["bookmarks.db", "personal.db", "work.db"]);
    expect(await urlsOf(join(dir, "bookmarks.db"))).toEqual(
      pages("personal", 4)
        .map((p) => p.url)
        .sort(),
    );
  });
});
