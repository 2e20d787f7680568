import { join } from "node:path";
import { ExitCode, UserError } from "../errors.ts";
import { expandHome, type Paths } from "../paths.ts";
import { registerSecret } from "../redact.ts";
import { readKeyFile } from "./keyfile.ts";

/** A secret a module may ask for, declared so `deskhub secrets check` can list it. */
export interface SecretSpec {
  /** lowercase_snake name; also the key looked up in SOPS files and the runtime dir. */
  name: string;
  description: string;
  /** Environment variables, first wins; default: the name in upper case. */
  env?: readonly string[];
  /** Key files, `~/` allowed, e.g. `~/.config/openai/api_key`. */
  files?: readonly string[];
  /** Which module asks for it. */
  module?: string;
}

export type SecretSourceKind = "env" | "runtime" | "sops" | "file";

export interface SecretLocation {
  name: string;
  found: boolean;
  kind?: SecretSourceKind;
  /** Where it came from: a variable name or a file path; never the value. */
  where?: string;
  error?: string;
}

export interface SecretsOptions {
  env: NodeJS.ProcessEnv;
  paths: Paths;
  /** SOPS-encrypted YAML, JSON or dotenv files, from config. */
  sopsFiles?: readonly string[];
  /** Extra key files per secret name, from config. */
  files?: Readonly<Record<string, readonly string[]>>;
}

function lookup(
  data: Record<string, unknown>,
  name: string,
  envNames: readonly string[],
): string | undefined {
  for (const key of [name, ...envNames]) {
    let node: unknown = data;
    for (const part of key.split(".")) {
      node = node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
    }
    if (typeof node === "string" || typeof node === "number" || typeof node === "boolean")
      return String(node);
  }
  return undefined;
}

/**
 * Resolves secrets by name: environment variable, then the runtime secrets dir, then
 * SOPS files, then key files. The first that has it wins. Every value found is
 * registered for redaction before it is returned.
 */
export class Secrets {
  #options: SecretsOptions;
  #specs = new Map<string, SecretSpec>();
  #sops: Promise<Array<{ path: string; data: Record<string, unknown> }>> | undefined;

  constructor(options: SecretsOptions) {
    this.#options = options;
  }

  declare(spec: SecretSpec): void {
    this.#specs.set(spec.name, spec);
  }

  specs(): SecretSpec[] {
    return [...this.#specs.values()];
  }

  #envNames(name: string): readonly string[] {
    return this.#specs.get(name)?.env ?? [name.toUpperCase()];
  }

  async #sopsData() {
    this.#sops ??= (async () => {
      const files = this.#options.sopsFiles ?? [];
      if (files.length === 0) return [];
      const { readSopsFile, loadAgeIdentities } = await import("./sops.ts");
      const identities = await loadAgeIdentities(this.#options.env, this.#options.paths);
      const out = [];
      for (const file of files) {
        const path = expandHome(file, this.#options.paths);
        out.push({ path, data: await readSopsFile(path, identities) });
      }
      return out;
    })();
    return this.#sops;
  }

  async #resolve(
    name: string,
  ): Promise<{ value: string; kind: SecretSourceKind; where: string } | undefined> {
    const { env, paths } = this.#options;
    const envNames = this.#envNames(name);
    for (const variable of envNames) {
      const value = env[variable];
      if (value) return { value, kind: "env", where: variable };
    }
    const runtimeFile = join(paths.runtimeSecretsDir, name);
    const runtimeValue = await readKeyFile(runtimeFile);
    if (runtimeValue) return { value: runtimeValue, kind: "runtime", where: runtimeFile };
    for (const { path, data } of await this.#sopsData()) {
      const value = lookup(data, name, envNames);
      if (value) return { value, kind: "sops", where: path };
    }
    const files = [...(this.#options.files?.[name] ?? []), ...(this.#specs.get(name)?.files ?? [])];
    for (const file of files) {
      const path = expandHome(file, paths);
      const value = await readKeyFile(path);
      if (value) return { value, kind: "file", where: path };
    }
    return undefined;
  }

  async get(name: string): Promise<string | undefined> {
    const found = await this.#resolve(name);
    if (found) registerSecret(found.value);
    return found?.value;
  }

  /** Like `get`, but a missing secret is an error that says every place it can be put. */
  async require(name: string): Promise<string> {
    const value = await this.get(name);
    if (value !== undefined) return value;
    throw new UserError(`secret "${name}" is not set`, { code: ExitCode.config, hint: this.howToSet(name) });
  }

  howToSet(name: string): string {
    const spec = this.#specs.get(name);
    const places = [
      `environment variable ${this.#envNames(name).join(" or ")}`,
      `the file ${join(this.#options.paths.runtimeSecretsDir, name)}`,
      "a SOPS file listed in secrets.sops_files",
      ...(spec?.files ?? []).map((f) => `the key file ${f} (mode 600)`),
    ];
    return `put it in ${places.join(", or ")}`;
  }

  /** Where a secret would come from, for `deskhub secrets check`; never the value. */
  async locate(name: string): Promise<SecretLocation> {
    try {
      const found = await this.#resolve(name);
      if (!found) return { name, found: false };
      registerSecret(found.value);
      return { name, found: true, kind: found.kind, where: found.where };
    } catch (error) {
      return { name, found: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}
