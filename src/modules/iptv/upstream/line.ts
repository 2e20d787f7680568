/** A path segment as panels expect it: `:` and `@` stay as they are (catch-up starts look like 2025-03-03:13-57). */
function segment(text: string): string {
  return encodeURIComponent(text).replace(/%3A/gi, ":").replace(/%40/gi, "@");
}

/**
 * One upstream account ("line"): the provider's address and a username and password
 * with their own connection limit. The main account carries the catalogue and anyone
 * without a line of their own; a person's own line carries only their streams.
 */
export class UpstreamLine {
  /** `main`, or `user:<proxy user>` for a person's own line; never the upstream username. */
  readonly key: string;
  readonly server: string;
  readonly username: string;
  readonly password: string;
  readonly configuredLimit: number | undefined;
  /** max_connections as the provider last reported it. */
  reportedLimit: number | undefined;

  constructor(options: {
    key: string;
    server: string;
    username: string;
    password: string;
    limit?: number | undefined;
  }) {
    this.key = options.key;
    this.server = options.server;
    this.username = options.username;
    this.password = options.password;
    this.configuredLimit = options.limit;
  }

  get limit(): number {
    return this.configuredLimit ?? this.reportedLimit ?? 1;
  }

  sameAccount(other: { server: string; username: string; password: string }): boolean {
    return (
      this.server === other.server && this.username === other.username && this.password === other.password
    );
  }

  #creds(): string {
    return `${segment(this.username)}/${segment(this.password)}`;
  }

  api(params: Record<string, string | undefined>): URL {
    const url = new URL(`${this.server}/player_api.php`);
    url.searchParams.set("username", this.username);
    url.searchParams.set("password", this.password);
    for (const [name, value] of Object.entries(params))
      if (value !== undefined) url.searchParams.set(name, value);
    return url;
  }

  xmltv(): URL {
    const url = new URL(`${this.server}/xmltv.php`);
    url.searchParams.set("username", this.username);
    url.searchParams.set("password", this.password);
    return url;
  }

  /** `/live/`, `/movie/`, `/series/` stream addresses; `ext` is ts, m3u8 or a container. */
  stream(kind: "live" | "movie" | "series", id: string, ext: string): URL {
    return new URL(`${this.server}/${kind}/${this.#creds()}/${segment(id)}.${ext}`);
  }

  timeshift(duration: string, start: string, id: string, ext: string): URL {
    const parts = [duration, start].map(segment).join("/");
    return new URL(`${this.server}/timeshift/${this.#creds()}/${parts}/${segment(id)}.${ext}`);
  }

  timeshiftPhp(params: Record<string, string>): URL {
    const url = new URL(`${this.server}/streaming/timeshift.php`);
    url.searchParams.set("username", this.username);
    url.searchParams.set("password", this.password);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url;
  }
}
