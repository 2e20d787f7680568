import type { Paths } from "../../../../core/paths.ts";
import type { SecretSpec } from "../../../../core/secrets/secrets.ts";
import { VOICE_SECRETS } from "../../secrets.ts";

/** Where deskhub's secrets live: the tools keep away from these whatever the config says. */
export interface SecretPlaces {
  /** Key files (`~/` allowed) and the runtime secrets directory: never read or written. */
  files: string[];
  /** Variables that hold secrets: not passed on to commands the model runs. */
  env: string[];
}

/** The places of every declared secret, and always the voice module's own. */
export function secretPlaces(
  specs: readonly SecretSpec[],
  paths: Pick<Paths, "runtimeSecretsDir">,
): SecretPlaces {
  const all = [...VOICE_SECRETS, ...specs];
  return {
    files: [...new Set([...all.flatMap((s) => s.files ?? []), paths.runtimeSecretsDir])],
    env: [...new Set(all.flatMap((s) => s.env ?? [s.name.toUpperCase()]))],
  };
}

/** The environment minus the variables that hold secrets. */
export function withoutSecrets(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  const hidden = new Set(names);
  return Object.fromEntries(Object.entries(env).filter(([name]) => !hidden.has(name)));
}
