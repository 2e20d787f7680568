import { armor, Decrypter, Encrypter, identityToRecipient as recipientOf } from "age-encryption";
import { ExitCode, UserError } from "../errors.ts";

const ARMOR_HEADER = "-----BEGIN AGE ENCRYPTED FILE-----";

/** Identities age itself accepts: X25519 and the post-quantum hybrid. */
export function isAgeIdentity(line: string): boolean {
  return line.startsWith("AGE-SECRET-KEY-1") || line.startsWith("AGE-SECRET-KEY-PQ-1");
}

/**
 * The identities in an age identity file (`age-keygen` output, sops' keys.txt): one per
 * line, `#` comments and blank lines skipped. `source` names the file or variable in
 * errors; a bad line is reported by number, never by content.
 */
export function parseAgeIdentities(text: string, source: string): string[] {
  const identities: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (!isAgeIdentity(line)) {
      throw new UserError(`${source}, line ${index + 1}: not an age identity`, {
        code: ExitCode.config,
        hint: "an age key file holds lines starting with AGE-SECRET-KEY-1 (as written by age-keygen) and # comments",
      });
    }
    identities.push(line);
  }
  return identities;
}

/** The public recipient (`age1...`) of an identity, to encrypt for its owner. */
export async function identityToRecipient(identity: string): Promise<string> {
  try {
    return await recipientOf(identity);
  } catch (error) {
    throw new UserError("an age identity is malformed", {
      code: ExitCode.config,
      hint: "check the key file: each key is one line starting with AGE-SECRET-KEY-1, as age-keygen writes it",
      cause: error,
    });
  }
}

/** Encrypts to every recipient (`age1...`); the result is the binary age format. */
export async function encryptWithAge(
  plaintext: Uint8Array,
  recipients: readonly string[],
): Promise<Uint8Array> {
  if (recipients.length === 0) {
    throw new UserError("nothing to encrypt to: no age recipient given", {
      code: ExitCode.config,
      hint: "give an age recipient (age1...) or an identity to derive it from",
    });
  }
  const encrypter = new Encrypter();
  for (const recipient of recipients) {
    try {
      encrypter.addRecipient(recipient);
    } catch (error) {
      throw new UserError(`${recipient} is not an age recipient`, {
        code: ExitCode.config,
        hint: "an age recipient starts with age1 (age-keygen -y KEYFILE prints it)",
        cause: error,
      });
    }
  }
  return encrypter.encrypt(plaintext);
}

/**
 * Decrypts an age file, binary or ASCII-armored. `what` names the thing in errors
 * ("bookmark database work.db.age"). Wrong keys and damaged files are told apart,
 * because the fix differs.
 */
export async function decryptWithAge(
  ciphertext: Uint8Array | string,
  identities: readonly string[],
  what = "age-encrypted data",
): Promise<Uint8Array> {
  if (identities.length === 0) {
    throw new UserError(`cannot decrypt ${what}: no age identity available`, {
      code: ExitCode.config,
      hint: "set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, or put your key in ~/.config/sops/age/keys.txt (mode 600)",
    });
  }
  let file: Uint8Array;
  try {
    file = toBinary(ciphertext);
  } catch (error) {
    throw new UserError(`cannot decrypt ${what}: it is not in the age format`, {
      code: ExitCode.dataErr,
      cause: error,
    });
  }
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  try {
    return await decrypter.decrypt(file);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes("no identity matched")) {
      throw new UserError(`none of your age keys can decrypt ${what}`, {
        code: ExitCode.noPerm,
        hint: "add the age key it was encrypted for to SOPS_AGE_KEY_FILE or ~/.config/sops/age/keys.txt",
      });
    }
    throw new UserError(`cannot decrypt ${what}: the age file is damaged or was changed`, {
      code: ExitCode.dataErr,
      hint: "restore it from a backup; age refuses files whose authentication fails",
    });
  }
}

function toBinary(ciphertext: Uint8Array | string): Uint8Array {
  if (typeof ciphertext === "string") return armor.decode(ciphertext);
  const head = new TextDecoder().decode(ciphertext.subarray(0, 64)).trimStart();
  return head.startsWith(ARMOR_HEADER) ? armor.decode(new TextDecoder().decode(ciphertext)) : ciphertext;
}
