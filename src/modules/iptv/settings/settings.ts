import { createHash } from "node:crypto";
import { ExitCode, UserError } from "../../../core/errors.ts";
import { BUILTIN_PROFILES, type IptvConfig } from "../config.ts";
import { UpstreamLine } from "../upstream/line.ts";
import { type CompiledProfile, compileProfiles } from "./profiles.ts";
import { View } from "./view.ts";

export interface ProxyUser {
  name: string;
  /** SHA-256 of the password: equal length for a constant-time compare. */
  digest: Buffer;
  profile: string;
  maxStreams: number;
  lineKey: string;
}

export function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Problems the schema cannot see: references between users, profiles and listeners. */
export function configProblems(config: IptvConfig): string[] {
  const problems: string[] = [];
  const profiles = new Set([...Object.keys(BUILTIN_PROFILES), ...Object.keys(config.profiles)]);
  const known = [...profiles].sort().join(", ");
  for (const [name, user] of Object.entries(config.users)) {
    if (!profiles.has(user.profile))
      problems.push(`iptv.users.${name}.profile: no profile "${user.profile}" (known: ${known})`);
    if ((user.stream_username === undefined) !== (user.stream_password === undefined)) {
      problems.push(
        `iptv.users.${name}: an own upstream line needs both stream_username and stream_password`,
      );
    }
  }
  for (const [name, listener] of Object.entries(config.listeners)) {
    if (!profiles.has(listener.profile)) {
      problems.push(`iptv.listeners.${name}.profile: no profile "${listener.profile}" (known: ${known})`);
    }
  }
  const ports = new Map<string, string>();
  for (const [name, listener] of Object.entries(config.listeners)) {
    if (!listener.enabled) continue;
    const where = `${listener.host}:${listener.port}`;
    const other = ports.get(where);
    if (other) problems.push(`iptv.listeners.${name}.port: ${where} is already used by listener "${other}"`);
    ports.set(where, name);
  }
  return problems;
}

export interface UpstreamAccount {
  server: string;
  username: string;
  password: string;
}

/**
 * The config compiled for serving: users with password digests, upstream lines, and
 * profile views. A config reload builds a new one; lines of unchanged accounts carry
 * over so their reported limits and open connections stay with them.
 */
export class Settings {
  readonly config: IptvConfig;
  readonly main: UpstreamLine;
  readonly users = new Map<string, ProxyUser>();
  readonly lines = new Map<string, UpstreamLine>();
  readonly profiles: Map<string, CompiledProfile>;
  readonly #views = new Map<string, View>();

  constructor(config: IptvConfig, account: UpstreamAccount, previous?: Settings) {
    const problems = configProblems(config);
    if (problems.length) {
      throw new UserError(`the iptv config has ${problems.length} problem(s):\n${problems.join("\n")}`, {
        code: ExitCode.config,
      });
    }
    this.config = config;
    this.profiles = compileProfiles(config.profiles);
    const reuse = (line: UpstreamLine) => {
      const old = previous?.lines.get(line.key);
      if (old?.sameAccount(line) && old.configuredLimit === line.configuredLimit) return old;
      return line;
    };
    this.main = reuse(new UpstreamLine({ key: "main", ...account, limit: config.upstream.max_connections }));
    this.lines.set("main", this.main);
    for (const [name, user] of Object.entries(config.users)) {
      let lineKey = "main";
      if (user.stream_username && user.stream_password) {
        const own = {
          server: account.server,
          username: user.stream_username,
          password: user.stream_password,
        };
        const existing = [...this.lines.values()].find((line) => line.sameAccount(own));
        if (existing) lineKey = existing.key;
        else {
          lineKey = `user:${name}`;
          this.lines.set(
            lineKey,
            reuse(new UpstreamLine({ key: lineKey, ...own, limit: user.stream_max_connections })),
          );
        }
      }
      this.users.set(name, {
        name,
        digest: digest(user.password),
        profile: user.profile,
        maxStreams: user.max_streams,
        lineKey,
      });
    }
  }

  line(key: string): UpstreamLine {
    return this.lines.get(key) ?? this.main;
  }

  /** The combined view of a listener's profile and a person's. */
  view(listenerProfile: string, userProfile: string): View {
    const key = `${listenerProfile}+${userProfile}`;
    let view = this.#views.get(key);
    if (!view) {
      const names = listenerProfile === userProfile ? [listenerProfile] : [listenerProfile, userProfile];
      view = new View(names.map((name) => this.profiles.get(name)!));
      this.#views.set(key, view);
    }
    return view;
  }

  /** Every upstream username and password, for the leak guard. */
  credentials(): string[] {
    return [...this.lines.values()].flatMap((line) => [line.username, line.password]);
  }
}

export function lineLabel(key: string): string {
  return key === "main" ? "main" : key.replace(/^user:/, "");
}
