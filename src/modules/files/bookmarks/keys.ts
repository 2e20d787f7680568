import { ExitCode, UserError } from "../../../core/errors.ts";
import { expandHome, type Paths } from "../../../core/paths.ts";
import { readKeyFile } from "../../../core/secrets/keyfile.ts";
import type { FilesConfig } from "../config.ts";

export interface AgeKeys {
  identities: string[];
  recipients: string[];
}

/**
 * The age keys for bookmark databases: the identities sops would use plus the configured
 * identity file; recipients from config or else your own. A database is only ever
 * encrypted to a set that includes a key you hold, so it cannot be locked away by a typo.
 */
export async function bookmarkKeys(
  config: FilesConfig["bookmarks"],
  env: NodeJS.ProcessEnv,
  paths: Paths,
): Promise<AgeKeys> {
  // age and YAML are loaded only by the commands that encrypt or decrypt.
  const { loadAgeIdentities } = await import("../../../core/secrets/sops.ts");
  const { identityToRecipient, parseAgeIdentities } = await import("../../../core/secrets/age.ts");
  const identities = await loadAgeIdentities(env, paths);
  if (config.identity_file) {
    const file = expandHome(config.identity_file, paths);
    const text = await readKeyFile(file);
    if (text === undefined) {
      throw new UserError(`files.bookmarks.identity_file is ${file}, which does not exist or is empty`, {
        code: ExitCode.config,
        hint: "create it with age-keygen -o FILE (then chmod 600 FILE), or remove the setting",
      });
    }
    for (const identity of parseAgeIdentities(text, file))
      if (!identities.includes(identity)) identities.push(identity);
  }
  if (identities.length === 0) {
    throw new UserError("no age key for the bookmark databases", {
      code: ExitCode.config,
      hint:
        "create one (age-keygen -o ~/.config/sops/age/keys.txt; chmod 600 it), set SOPS_AGE_KEY_FILE, " +
        "or set files.bookmarks.encrypt: false",
    });
  }
  const own = await Promise.all(identities.map((identity) => identityToRecipient(identity)));
  const recipients = config.recipients.length > 0 ? [...config.recipients] : own;
  if (!recipients.some((recipient) => own.includes(recipient))) {
    throw new UserError("none of files.bookmarks.recipients belongs to an age key you have", {
      code: ExitCode.config,
      hint: `add your own public key (${own[0]}) to files.bookmarks.recipients, or you could not decrypt them again`,
    });
  }
  return { identities, recipients };
}
