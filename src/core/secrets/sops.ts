import { createDecipheriv, createHash, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { type Document, isAlias, isMap, isScalar, isSeq, type Node, parseAllDocuments } from "yaml";
import { z } from "zod";
import { ExitCode, UserError } from "../errors.ts";
import { expandHome, type Paths } from "../paths.ts";
import { decryptWithAge, parseAgeIdentities } from "./age.ts";
import { readKeyFile } from "./keyfile.ts";

/*
 * SOPS decryption without the sops binary, following sops' own source (sops.go,
 * aes/cipher.go, stores/*): every value is AES-256-GCM under a 32-byte data key, its
 * additional data is the key path joined with ":" plus a trailing ":" (list items add
 * nothing to the path); the MAC is SHA-512, upper-case hex, over the plaintext values in
 * document order, stored encrypted with `lastmodified` (RFC 3339) as additional data.
 */

// ---- age identities ----------------------------------------------------------------

/**
 * Every age identity sops would use, in its order: SOPS_AGE_KEY (inline, several lines
 * allowed), SOPS_AGE_KEY_FILE, then `$XDG_CONFIG_HOME/sops/age/keys.txt`. Key files that
 * group or others can read are refused.
 */
export async function loadAgeIdentities(env: NodeJS.ProcessEnv, paths: Paths): Promise<string[]> {
  const found: string[] = [];
  if (env.SOPS_AGE_KEY?.trim()) found.push(...parseAgeIdentities(env.SOPS_AGE_KEY, "SOPS_AGE_KEY"));
  if (env.SOPS_AGE_KEY_FILE) {
    const path = expandHome(env.SOPS_AGE_KEY_FILE, paths);
    const text = await readAgeKeyFile(path);
    if (text === undefined) {
      throw new UserError(`SOPS_AGE_KEY_FILE is ${path}, which does not exist or is empty`, {
        code: ExitCode.config,
        hint: "point SOPS_AGE_KEY_FILE at your age key file (age-keygen -o FILE writes one), or unset it",
      });
    }
    found.push(...parseAgeIdentities(text, path));
  }
  const defaultFile = join(paths.xdgConfigHome, "sops", "age", "keys.txt");
  const text = await readAgeKeyFile(defaultFile);
  if (text !== undefined) found.push(...parseAgeIdentities(text, defaultFile));
  return [...new Set(found)];
}

async function readAgeKeyFile(path: string): Promise<string | undefined> {
  try {
    return await readKeyFile(path);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `cannot read the age key file ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      {
        code: ExitCode.noPerm,
        hint: `make it readable by you only: chmod 600 ${path}`,
      },
    );
  }
}

// ---- the file's tree ----------------------------------------------------------------

type Leaf = string | number | bigint | boolean;
type SopsNode =
  | { kind: "map"; entries: Array<[string, SopsNode]> }
  | { kind: "list"; items: SopsNode[] }
  | { kind: "leaf"; value: Leaf }
  | { kind: "null" };

interface LoadedFile {
  branches: Array<Extract<SopsNode, { kind: "map" }>>;
  metadata: unknown;
}

type Format = "yaml" | "json" | "dotenv";

function formatOf(path: string): Format {
  const ext = extname(path).toLowerCase();
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  if (ext === ".json") return "json";
  if (ext === ".env") return "dotenv";
  throw new UserError(`${path}: cannot tell the SOPS format from the name`, {
    code: ExitCode.config,
    hint: "deskhub reads SOPS files ending in .yaml, .yml, .json or .env",
  });
}

function fromYamlNode(node: Node | null, doc: Document, file: string): SopsNode {
  if (node === null) return { kind: "null" };
  if (isAlias(node)) return fromYamlNode(node.resolve(doc) ?? null, doc, file);
  if (isMap(node)) {
    const entries: Array<[string, SopsNode]> = [];
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key !== "string") {
        throw new UserError(`${file}: a key is not a string`, {
          code: ExitCode.dataErr,
          hint: "sops supports only string keys; quote numeric keys",
        });
      }
      entries.push([key, fromYamlNode((pair.value as Node | null) ?? null, doc, file)]);
    }
    return { kind: "map", entries };
  }
  if (isSeq(node))
    return { kind: "list", items: node.items.map((item) => fromYamlNode(item as Node | null, doc, file)) };
  if (isScalar(node)) {
    const value = node.value;
    if (value === null || value === undefined) return { kind: "null" };
    if (
      typeof value === "string" ||
      typeof value === "number" ||
      typeof value === "bigint" ||
      typeof value === "boolean"
    ) {
      return { kind: "leaf", value };
    }
  }
  throw new UserError(`${file}: holds a YAML value sops cannot have written`, { code: ExitCode.dataErr });
}

function loadStructured(text: string, file: string, format: "yaml" | "json"): LoadedFile {
  // Ints stay exact in YAML (sops reads them as Go ints); JSON numbers are float64 in sops.
  const docs = parseAllDocuments(text, { intAsBigInt: format === "yaml", uniqueKeys: false });
  if (!Array.isArray(docs)) return { branches: [], metadata: undefined };
  const branches: LoadedFile["branches"] = [];
  let metadata: unknown;
  for (const [index, doc] of docs.entries()) {
    const problem = doc.errors[0];
    if (problem) {
      // The parser's message quotes the line; only the position is safe to show.
      const at = problem.linePos?.[0];
      throw new UserError(
        `${file} is not valid ${format.toUpperCase()}${at ? ` (line ${at.line}, column ${at.col})` : ""}`,
        {
          code: ExitCode.dataErr,
          hint: "restore the file from version control or re-create it with sops",
        },
      );
    }
    const root = fromYamlNode(doc.contents as Node | null, doc as Document, file);
    if (root.kind === "null") {
      branches.push({ kind: "map", entries: [] });
      continue;
    }
    if (root.kind !== "map") {
      throw new UserError(`${file}: a SOPS file must hold a mapping at the top`, { code: ExitCode.dataErr });
    }
    if (index === 0) metadata = (doc.toJS({ maxAliasCount: -1 }) as Record<string, unknown> | null)?.sops;
    branches.push({ kind: "map", entries: root.entries.filter(([key]) => key !== "sops") });
  }
  return { branches, metadata };
}

const SOPS_PREFIX = "sops_";

/** sops' dotenv store: KEY=VALUE lines, `#` comments, `\n` escapes, metadata flattened into `sops_*` keys. */
function loadDotenv(text: string, file: string): LoadedFile {
  const entries: Array<[string, SopsNode]> = [];
  const flat: Record<string, string> = Object.create(null);
  for (const [index, line] of text.split("\n").entries()) {
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq === -1) {
      throw new UserError(`${file}, line ${index + 1}: not a KEY=VALUE line`, {
        code: ExitCode.dataErr,
        hint: "restore the file from version control or re-create it with sops",
      });
    }
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).replaceAll("\\n", "\n");
    if (key.startsWith(SOPS_PREFIX)) flat[key.slice(SOPS_PREFIX.length)] = value;
    else entries.push([key, { kind: "leaf", value }]);
  }
  const metadata = Object.keys(flat).length > 0 ? unflatten(flat) : undefined;
  if (metadata) {
    // The dotenv store writes these two as strings; sops decodes them back the same way.
    if ("mac_only_encrypted" in metadata)
      metadata.mac_only_encrypted = metadata.mac_only_encrypted === "true";
    if (typeof metadata.shamir_threshold === "string")
      metadata.shamir_threshold = Number(metadata.shamir_threshold);
  }
  return { branches: [{ kind: "map", entries }], metadata };
}

/** Undoes sops' Flatten: `age__list_0__map_enc` is `age[0].enc`. */
function unflatten(flat: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split(/(__map_|__list_)/);
    const tokens: Array<string | number> = [parts[0]!];
    for (let i = 1; i + 1 < parts.length; i += 2) {
      tokens.push(parts[i] === "__list_" ? Number(parts[i + 1]) : parts[i + 1]!);
    }
    let node = root as Record<string | number, unknown>;
    for (const [i, token] of tokens.entries()) {
      if (i === tokens.length - 1) {
        node[token] = value;
        break;
      }
      node[token] ??= typeof tokens[i + 1] === "number" ? [] : Object.create(null);
      node = node[token] as Record<string | number, unknown>;
    }
  }
  return root;
}

// ---- metadata -----------------------------------------------------------------------

const AgeStanza = z.looseObject({ recipient: z.string(), enc: z.string() });
const Metadata = z.looseObject({
  age: z.array(AgeStanza).nullish(),
  key_groups: z.array(z.looseObject({ age: z.array(AgeStanza).nullish() })).nullish(),
  lastmodified: z.string(),
  mac: z.string(),
  unencrypted_suffix: z.string().nullish(),
  encrypted_suffix: z.string().nullish(),
  unencrypted_regex: z.string().nullish(),
  encrypted_regex: z.string().nullish(),
  unencrypted_comment_regex: z.string().nullish(),
  encrypted_comment_regex: z.string().nullish(),
  mac_only_encrypted: z.boolean().nullish(),
});
type Metadata = z.output<typeof Metadata>;

function parseMetadata(raw: unknown, file: string): Metadata {
  if (raw === undefined || raw === null) {
    throw new UserError(`${file} is not a SOPS-encrypted file (it has no sops metadata)`, {
      code: ExitCode.dataErr,
      hint: `encrypt it with: sops encrypt --in-place ${file}  (or remove it from secrets.sops_files)`,
    });
  }
  const parsed = Metadata.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => ["sops", ...issue.path].join(".")).join(", ");
    throw new UserError(`${file}: the sops metadata is damaged (${where})`, {
      code: ExitCode.dataErr,
      hint: "restore the file from version control or re-create it with sops",
    });
  }
  return parsed.data;
}

/** sops' rule for which values are encrypted: one of suffix/regex rules, `_unencrypted` by default. */
function encryptionRule(meta: Metadata, file: string): (path: readonly string[]) => boolean {
  if (meta.unencrypted_comment_regex || meta.encrypted_comment_regex) {
    throw new UserError(
      `${file} uses a comment regex to choose what is encrypted, which deskhub cannot read`,
      {
        code: ExitCode.config,
        hint: "decrypt it with a sops-secrets service into $XDG_RUNTIME_DIR/secrets, or re-encrypt it with a key rule",
      },
    );
  }
  const regex = (source: string) => {
    try {
      return new RegExp(source);
    } catch {
      throw new UserError(`${file}: the sops metadata holds a regular expression deskhub cannot use`, {
        code: ExitCode.dataErr,
      });
    }
  };
  const any = (path: readonly string[], test: (key: string) => boolean) => path.some(test);
  if (meta.encrypted_suffix) return (path) => any(path, (key) => key.endsWith(meta.encrypted_suffix!));
  if (meta.encrypted_regex) {
    const re = regex(meta.encrypted_regex);
    return (path) => any(path, (key) => re.test(key));
  }
  if (meta.unencrypted_regex) {
    const re = regex(meta.unencrypted_regex);
    return (path) => !any(path, (key) => re.test(key));
  }
  const suffix = meta.unencrypted_suffix || "_unencrypted";
  return (path) => !any(path, (key) => key.endsWith(suffix));
}

/** Go's time.Format(RFC3339) of the parsed `lastmodified`: no fraction, `Z` for UTC. */
function goRfc3339(value: string, file: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)$/i.exec(value);
  if (!match) {
    throw new UserError(`${file}: the sops metadata has an unreadable lastmodified date`, {
      code: ExitCode.dataErr,
    });
  }
  const zone = match[2]!.toUpperCase();
  return `${match[1]}${zone === "+00:00" || zone === "-00:00" ? "Z" : zone}`;
}

// ---- the data key -------------------------------------------------------------------

async function dataKey(meta: Metadata, identities: readonly string[], file: string): Promise<Buffer> {
  const groups = meta.key_groups?.filter((group) => (group.age?.length ?? 0) > 0) ?? [];
  if (groups.length > 1) {
    throw new UserError(
      `${file} splits its key across several key groups (Shamir), which deskhub cannot read`,
      {
        code: ExitCode.config,
        hint: "decrypt it with a sops-secrets service into $XDG_RUNTIME_DIR/secrets instead",
      },
    );
  }
  const stanzas = [...(meta.age ?? []), ...(groups[0]?.age ?? [])];
  if (stanzas.length === 0) {
    throw new UserError(
      `${file} is not encrypted for any age key (deskhub decrypts SOPS files with age only)`,
      {
        code: ExitCode.config,
        hint: `add an age recipient: sops updatekeys ${file} after adding it to .sops.yaml`,
      },
    );
  }
  const recipients = stanzas.map((stanza) => stanza.recipient);
  if (identities.length === 0) {
    throw new UserError(`no age key to decrypt ${file} (it is encrypted for ${recipients.join(", ")})`, {
      code: ExitCode.config,
      hint: "set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, or put your key in ~/.config/sops/age/keys.txt (mode 600)",
    });
  }
  let damaged: UserError | undefined;
  for (const stanza of stanzas) {
    try {
      const key = Buffer.from(await decryptWithAge(stanza.enc, identities, `the data key of ${file}`));
      if (key.length === 32) return key;
      damaged = new UserError(`${file}: the data key has the wrong length`, { code: ExitCode.dataErr });
    } catch (error) {
      if (!(error instanceof UserError) || error.code !== ExitCode.noPerm) damaged = error as UserError;
    }
  }
  throw (
    damaged ??
    new UserError(`none of your age keys can decrypt ${file}`, {
      code: ExitCode.noPerm,
      hint: `it is encrypted for ${recipients.join(", ")}; add one of their keys to SOPS_AGE_KEY_FILE or ~/.config/sops/age/keys.txt`,
    })
  );
}

// ---- values -------------------------------------------------------------------------

const ENCRYPTED = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;

/** Go's strconv.FormatFloat(f, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function goFormatFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  if (Object.is(value, -0)) return "-0";
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, lead, rest = "", exp] = match;
  const digits = `${lead}${rest}`;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** The bytes sops' ToBytes gives a value, which is what the MAC covers. */
function macBytes(value: Leaf | Buffer): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (typeof value === "bigint") return Buffer.from(value.toString());
  if (typeof value === "boolean") return Buffer.from(value ? "True" : "False");
  return Buffer.from(goFormatFloat(value));
}

const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** Turns decrypted text back into its type the way sops' cipher does. Undefined: a comment. */
function restoreType(text: Buffer, type: string): Leaf | Buffer | undefined {
  const value = text.toString("utf8");
  switch (type) {
    case "str":
      return value;
    case "int":
    case "int64":
      if (!/^[+-]?\d+$/.test(value)) return Number.NaN;
      return BigInt(value);
    case "float": {
      if (/^[+-]?inf(inity)?$/i.test(value)) return value.startsWith("-") ? -Infinity : Infinity;
      if (/^nan$/i.test(value)) return Number.NaN;
      const number = value.trim() === "" ? Number.NaN : Number(value.replaceAll("_", ""));
      return number;
    }
    case "bool":
      if (GO_TRUE.has(value)) return true;
      if (GO_FALSE.has(value)) return false;
      return Number.NaN;
    case "bytes":
      return text;
    case "comment":
      return undefined;
    default:
      return Number.NaN;
  }
}

function isBroken(value: Leaf | Buffer | undefined, type: string): boolean {
  return typeof value === "number" && Number.isNaN(value) && type !== "float";
}

function decryptValue(
  raw: string,
  key: Buffer,
  aad: string,
): { ok: true; value: Leaf | Buffer | undefined } | { ok: false } {
  if (raw === "") return { ok: true, value: "" };
  const match = ENCRYPTED.exec(raw);
  if (!match) return { ok: false };
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(match[2]!, "base64"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(match[3]!, "base64"));
    const text = Buffer.concat([decipher.update(Buffer.from(match[1]!, "base64")), decipher.final()]);
    const value = restoreType(text, match[4]!);
    return isBroken(value, match[4]!) ? { ok: false } : { ok: true, value };
  } catch {
    return { ok: false };
  }
}

/** What the caller gets for a leaf: numbers stay numbers unless they would lose digits. */
function plain(value: Leaf | Buffer): unknown {
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  return value;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---- the whole file -----------------------------------------------------------------

/** sops' constant that starts the MAC when only encrypted values are covered. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from(
  "8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69",
  "hex",
);

/**
 * Decrypts a SOPS-encrypted YAML, JSON or dotenv file in-process and verifies its MAC.
 * Several YAML documents are merged, later keys winning. Errors name the file, the key
 * and what to do; they never contain a decrypted value.
 */
export async function readSopsFile(path: string, identities: string[]): Promise<Record<string, unknown>> {
  const format = formatOf(path);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new UserError(`SOPS file ${path} does not exist`, {
        code: ExitCode.config,
        hint: "fix the path in secrets.sops_files of config.yaml",
      });
    }
    throw new UserError(`cannot read SOPS file ${path} (${code ?? "error"})`, {
      code: ExitCode.noPerm,
      hint: `check its permissions: ls -l ${path}`,
    });
  }
  const loaded = format === "dotenv" ? loadDotenv(text, path) : loadStructured(text, path, format);
  const meta = parseMetadata(loaded.metadata, path);
  const shouldEncrypt = encryptionRule(meta, path);
  const key = await dataKey(meta, identities, path);

  const macOnlyEncrypted = meta.mac_only_encrypted === true;
  const hash = createHash("sha512");
  if (macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);

  const tampered = (shown: string) =>
    new UserError(
      `${path}: the value of "${shown}" does not decrypt (it was changed after sops encrypted it)`,
      {
        code: ExitCode.dataErr,
        hint: "restore the file from version control, or edit it only through sops",
      },
    );

  const walk = (node: SopsNode, keyPath: string[], shown: string): unknown => {
    switch (node.kind) {
      case "null":
        return null;
      case "map": {
        const out: Record<string, unknown> = {};
        for (const [name, child] of node.entries) {
          const value = walk(child, [...keyPath, name], shown ? `${shown}.${name}` : name);
          if (value !== undefined) setOwn(out, name, value);
        }
        return out;
      }
      case "list":
        return node.items
          .map((item, i) => walk(item, keyPath, `${shown}[${i}]`))
          .filter((v) => v !== undefined);
      case "leaf": {
        const encrypted = shouldEncrypt(keyPath);
        let value: Leaf | Buffer | undefined = node.value;
        if (encrypted) {
          if (typeof node.value !== "string") throw tampered(shown);
          const result = decryptValue(node.value, key, `${keyPath.join(":")}:`);
          if (!result.ok) throw tampered(shown);
          value = result.value;
        }
        if (value === undefined) return undefined;
        if (!macOnlyEncrypted || encrypted) hash.update(macBytes(value));
        return plain(value);
      }
    }
  };

  const data: Record<string, unknown> = {};
  for (const branch of loaded.branches) {
    for (const [name, value] of Object.entries(walk(branch, [], "") as Record<string, unknown>))
      setOwn(data, name, value);
  }

  const computed = Buffer.from(hash.digest("hex").toUpperCase());
  const stored = decryptValue(meta.mac, key, goRfc3339(meta.lastmodified, path));
  const expected = stored.ok && typeof stored.value === "string" ? Buffer.from(stored.value) : undefined;
  if (!expected || expected.length !== computed.length || !timingSafeEqual(expected, computed)) {
    throw new UserError(`${path}: MAC mismatch, the file's content is not what sops encrypted`, {
      code: ExitCode.dataErr,
      hint: "it was changed outside sops (or damaged): restore it from version control, or re-create it with sops",
    });
  }
  return data;
}
