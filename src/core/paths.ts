import { homedir } from "node:os";
import { join } from "node:path";

export interface Paths {
  home: string;
  configDir: string;
  dataDir: string;
  cacheDir: string;
  stateDir: string;
  logDir: string;
  /** Socket, pid file and status files; private to the user. */
  runtimeDir: string;
  /** Where a sops-secrets service leaves decrypted secrets, one file per name. */
  runtimeSecretsDir: string;
  /** The XDG config home itself, for other programs' files (sops keys, openai key). */
  xdgConfigHome: string;
  xdgDataHome: string;
}

/** XDG base directories, with the spec's defaults when a variable is unset or relative. */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): Paths {
  const home = env.HOME || homedir();
  const xdg = (name: string, fallback: string) => {
    const value = env[name];
    return value?.startsWith("/") ? value : fallback;
  };
  const configHome = xdg("XDG_CONFIG_HOME", join(home, ".config"));
  const dataHome = xdg("XDG_DATA_HOME", join(home, ".local/share"));
  const cacheHome = xdg("XDG_CACHE_HOME", join(home, ".cache"));
  const stateHome = xdg("XDG_STATE_HOME", join(home, ".local/state"));
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  const runtimeBase = xdg("XDG_RUNTIME_DIR", join("/tmp", `deskhub-${uid}`));
  return {
    home,
    configDir: join(configHome, "deskhub"),
    dataDir: join(dataHome, "deskhub"),
    cacheDir: join(cacheHome, "deskhub"),
    stateDir: join(stateHome, "deskhub"),
    logDir: join(stateHome, "deskhub", "logs"),
    runtimeDir: join(runtimeBase, "deskhub"),
    runtimeSecretsDir: join(runtimeBase, "secrets"),
    xdgConfigHome: configHome,
    xdgDataHome: dataHome,
  };
}

/** Expands a leading `~/` the way a shell user writing a config file expects. */
export function expandHome(path: string, paths: Pick<Paths, "home">): string {
  if (path === "~") return paths.home;
  return path.startsWith("~/") ? join(paths.home, path.slice(2)) : path;
}
