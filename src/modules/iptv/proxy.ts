import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../core/log.ts";
import type { ModuleContext } from "../../core/module.ts";
import { registerSecret } from "../../core/redact.ts";
import { authenticate } from "./auth/authenticate.ts";
import { LoginThrottle } from "./auth/throttle.ts";
import { Catalogue, type RefreshResult } from "./catalogue/catalogue.ts";
import { CatalogueDb } from "./catalogue/db.ts";
import { Details } from "./catalogue/details.ts";
import { Patcher } from "./catalogue/patch.ts";
import type { IptvConfig } from "./config.ts";
import { XmltvSource } from "./epg/source.ts";
import type { RequestContext } from "./server/context.ts";
import { type ProxyUser, Settings, type UpstreamAccount } from "./settings/settings.ts";
import type { View } from "./settings/view.ts";
import { HlsSessions } from "./streams/hls-sessions.ts";
import { Ledger } from "./streams/ledger.ts";
import { LiveHubs, type StreamTuning } from "./streams/live-hub.ts";
import { TokenSealer } from "./tokens.ts";
import { type ApiOptions, fetchLogin, type LoginAnswer } from "./upstream/api.ts";
import { UpstreamError } from "./upstream/errors.ts";

export interface ProxyOptions {
  ctx: ModuleContext;
  config: IptvConfig;
  account: UpstreamAccount;
  key: Uint8Array;
  db: DatabaseSync;
}

/**
 * The provider's address and every upstream line's username join the passwords as
 * secrets: scrubbed from logs, errors and text answers wherever they might surface.
 * A bare one-word host name (`iptv`) is left out: scrubbing it would blank that word
 * everywhere, "deskhub iptv serve" included.
 */
function registerUpstream(settings: Settings): void {
  for (const line of settings.lines.values()) {
    const url = new URL(line.server);
    for (const name of [url.host, url.hostname]) if (/[.:]/.test(name)) registerSecret(name);
    registerSecret(line.username);
    registerSecret(line.password);
  }
}

/** What the provider said at login, minus what names it or its account. */
export interface StoredLogin {
  user_info: Record<string, unknown>;
  server_info: Record<string, unknown>;
}

/**
 * The proxy's state, shared by every listener: settings (swapped whole on a config
 * change), the catalogue, who is watching what, and the signing key.
 */
export class IptvProxy {
  readonly ctx: ModuleContext;
  readonly log: Logger;
  readonly account: UpstreamAccount;
  readonly sealer: TokenSealer;
  readonly catalogue: Catalogue;
  readonly details: Details;
  readonly ledger = new Ledger();
  readonly hubs: LiveHubs;
  readonly hls: HlsSessions;
  readonly xmltv: XmltvSource;
  readonly throttle: LoginThrottle;
  #settings: Settings;
  #patcher: Patcher;

  constructor(options: ProxyOptions) {
    this.ctx = options.ctx;
    this.log = options.ctx.log;
    this.account = options.account;
    this.#settings = new Settings(options.config, options.account);
    registerUpstream(this.#settings);
    this.sealer = new TokenSealer(options.key);
    this.#patcher = this.#makePatcher();
    this.throttle = new LoginThrottle(this.#throttleOptions());
    const db = new CatalogueDb(options.db);
    this.catalogue = new Catalogue({
      db,
      line: () => this.#settings.main,
      patcher: () => this.#patcher,
      api: () => this.api(),
      ttlMs: () => this.config.catalogue.ttl * 1000,
      log: this.log,
    });
    this.details = new Details({
      db,
      line: () => this.#settings.main,
      patcher: () => this.#patcher,
      api: () => this.api(),
      infoTtlMs: () => this.config.catalogue.info_ttl * 1000,
    });
    this.hubs = new LiveHubs(this.ledger, () => this.tuning(), this.log);
    this.hls = new HlsSessions(this.ledger, () => ({
      graceMs: this.config.streams.switch_grace * 1000,
      idleMs: this.config.streams.hls_idle * 1000,
      share: this.config.streams.share_live,
    }));
    this.#rememberLimits();
    this.xmltv = new XmltvSource({
      file: join(options.ctx.paths.cacheDir, "iptv", "xmltv.raw"),
      line: () => this.#settings.main,
      timeoutMs: () => this.config.upstream.timeout * 1000,
      ttlMs: () => this.config.catalogue.epg_ttl * 1000,
      log: this.log,
    });
  }

  get settings(): Settings {
    return this.#settings;
  }

  get config(): IptvConfig {
    return this.#settings.config;
  }

  get patcher(): Patcher {
    return this.#patcher;
  }

  #makePatcher(): Patcher {
    const hosts = [new URL(this.account.server).hostname.toLowerCase()];
    return new Patcher(this.sealer, this.account.server, {
      hosts,
      credentials: this.#settings.credentials(),
    });
  }

  #throttleOptions() {
    return {
      free: this.config.security.failed_login_free,
      maxDelayMs: this.config.security.failed_login_max_delay * 1000,
    };
  }

  /** Until a line has logged in, its limit is the one the provider reported last time. */
  #rememberLimits(): void {
    for (const line of this.#settings.lines.values()) {
      const remembered = Number(this.catalogue.db.meta(`limit:${line.key}`));
      if (line.reportedLimit === undefined && remembered > 0) line.reportedLimit = remembered;
    }
  }

  /** Applies a changed config section without a restart; listener addresses need one. */
  apply(config: IptvConfig): void {
    const next = new Settings(config, this.account, this.#settings);
    registerUpstream(next);
    this.#settings = next;
    this.#rememberLimits();
    this.#patcher = this.#makePatcher();
    this.throttle.configure(this.#throttleOptions());
    this.ledger.closeWhere((viewer) => {
      const user = next.users.get(viewer.user);
      return !user || user.lineKey !== viewer.lineKey;
    }, "the account changed");
  }

  tuning(): StreamTuning {
    const { streams, upstream } = this.config;
    return {
      graceMs: streams.switch_grace * 1000,
      timeoutMs: upstream.timeout * 1000,
      idleMs: streams.idle_timeout * 1000,
      slowViewerBytes: streams.slow_viewer_buffer,
      share: streams.share_live,
    };
  }

  api(): ApiOptions {
    return { timeoutMs: this.config.upstream.timeout * 1000, userAgent: this.config.upstream.user_agent };
  }

  /** What is sent to the provider as User-Agent for a client's stream. */
  userAgent(req: IncomingMessage): string {
    return this.config.upstream.user_agent ?? req.headers["user-agent"]?.slice(0, 200) ?? "deskhub-iptv";
  }

  /**
   * The proxy user for these credentials, or why not: wrong ones, or an address with so
   * many recent failures that this attempt is refused unchecked (`retryAfterS`). Answers
   * to an address with recent failures are held back first, whatever the outcome.
   */
  async authenticate(
    rc: RequestContext,
    username: string | null,
    password: string | null,
  ): Promise<{ user?: ProxyUser; retryAfterS?: number }> {
    const admission = this.throttle.admit(rc.address);
    if ("refusedForMs" in admission) {
      this.log.info({ address: rc.address, listener: rc.listener.name }, "login refused: too many failures");
      return { retryAfterS: Math.max(1, Math.ceil(admission.refusedForMs / 1000)) };
    }
    try {
      if (admission.waitMs > 0)
        await sleep(admission.waitMs, undefined, { signal: rc.signal }).catch(() => {});
      // A client that gave up while waiting learns nothing, so its attempt is not checked.
      if (rc.signal.aborted) return {};
      const user =
        username && password && username.length <= 256 && password.length <= 256
          ? authenticate(this.#settings.users, username, password)
          : undefined;
      if (user) this.throttle.succeeded(rc.address);
      else {
        this.throttle.failed(rc.address);
        this.log.info({ address: rc.address, listener: rc.listener.name }, "failed login");
      }
      return { user };
    } finally {
      admission.done();
    }
  }

  view(rc: RequestContext, user: ProxyUser): View {
    return this.#settings.view(rc.listener.profile, user.profile);
  }

  storedLogin(): StoredLogin | undefined {
    const text = this.catalogue.db.meta("login");
    return text ? (JSON.parse(text) as StoredLogin) : undefined;
  }

  #storeLogin(answer: LoginAnswer): void {
    const userInfo: Record<string, unknown> = { ...answer.user_info };
    delete userInfo.username;
    delete userInfo.password;
    const serverInfo: Record<string, unknown> = { ...(answer.server_info ?? {}) };
    // The provider's own address goes; only whether each port was a number or a string stays.
    for (const key of ["url", "server_protocol"]) delete serverInfo[key];
    for (const key of ["port", "https_port", "rtmp_port"]) {
      if (key in serverInfo) serverInfo[key] = typeof serverInfo[key] === "number" ? 0 : "";
    }
    const stored: StoredLogin = this.#patcher.patch({ user_info: userInfo, server_info: serverInfo });
    this.catalogue.db.setMeta("login", JSON.stringify(stored));
  }

  /** Logs every line in: checks their credentials and learns their connection limits. */
  async checkLines(): Promise<Array<{ line: string; ok: boolean; limit: number; error?: string }>> {
    const out = [];
    for (const line of this.#settings.lines.values()) {
      try {
        const answer = await fetchLogin(line, this.api());
        if (line.key === "main") this.#storeLogin(answer);
        const limit = line.reportedLimit;
        if (limit !== undefined) this.catalogue.db.setMeta(`limit:${line.key}`, String(limit));
        out.push({ line: line.key, ok: true, limit: line.limit });
      } catch (error) {
        const message = error instanceof UpstreamError ? error.message : "login failed";
        out.push({ line: line.key, ok: false, limit: line.limit, error: message });
      }
    }
    return out;
  }

  async refresh(): Promise<RefreshResult & { lines: Awaited<ReturnType<IptvProxy["checkLines"]>> }> {
    const lines = await this.checkLines();
    const result = await this.catalogue.refresh();
    return { ...result, lines };
  }

  close(): void {
    this.hubs.closeAll();
    this.hls.closeAll();
    this.ledger.closeWhere(() => true, "the proxy is stopping");
    this.catalogue.close();
  }
}
