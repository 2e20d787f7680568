import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { Writable } from "node:stream";
import { stringify } from "yaml";
import { createLogger } from "../../../src/core/log.ts";
import { closeDatabases, createRuntime, moduleContext, type Runtime } from "../../../src/core/runtime.ts";
import type { IptvConfig } from "../../../src/modules/iptv/config.ts";
import iptv from "../../../src/modules/iptv/index.ts";
import { type RunningProxy, startProxy } from "../../../src/modules/iptv/service.ts";
import type { Media } from "../../fixtures/iptv/media.ts";
import {
  type Account,
  type FakeProvider,
  type FakeProviderOptions,
  startFakeProvider,
} from "../../fixtures/iptv/provider.ts";
import { freePort, makeSandbox, type Sandbox } from "../../helpers/sandbox.ts";

/** Upstream accounts with values distinctive enough to grep for in the leak test. */
export const MAIN: Account = { username: "upMainQx7", password: "pW-main-Zr93k", maxConnections: 2 };
export const LINE2: Account = { username: "upLineBv4", password: "pW-line-Tq58m", maxConnections: 1 };

export interface Harness {
  sandbox: Sandbox;
  provider: FakeProvider;
  runtime: Runtime;
  running: RunningProxy;
  /** Base URLs of the full and mini listeners. */
  full: string;
  mini: string;
  logs(): string;
  /** Rewrites config.yaml (the proxy picks the change up without a restart). */
  writeConfig(section: Record<string, unknown>): void;
  section: Record<string, unknown>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  media?: Media;
  provider?: Partial<FakeProviderOptions>;
  /** Extra iptv config merged over the default users and listeners. */
  iptv?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

/**
 * A fake panel and the real proxy, started the way the daemon starts it: config.yaml
 * in a private XDG sandbox, the core runtime, the module's service entry point.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const provider = await startFakeProvider({
    accounts: [MAIN, LINE2],
    media: options.media,
    ...options.provider,
  });
  const sandbox = makeSandbox({ UPSTREAM_PASSWORD: MAIN.password, ...options.env });
  const [fullPort, miniPort] = [await freePort(), await freePort()];
  const section: Record<string, unknown> = {
    upstream: { server: provider.url, username: MAIN.username, timeout: "3s" },
    users: {
      alice: { password: "alice-pass-1", profile: "full", max_streams: 2 },
      bob: {
        password: "bob-pass-22",
        profile: "kids",
        max_streams: 1,
        stream_username: LINE2.username,
        stream_password: LINE2.password,
      },
    },
    profiles: {
      kids: {
        hide_adult: true,
        live: { exclude_categories: ["Sports"], rename_categories: { Entertainment: "Cartoons" } },
      },
    },
    listeners: { full: { port: fullPort }, mini: { port: miniPort } },
    ...options.iptv,
  };
  const writeConfig = (next: Record<string, unknown>) => {
    mkdirSync(sandbox.configDir, { recursive: true });
    writeFileSync(join(sandbox.configDir, "config.yaml"), stringify({ iptv: next }));
  };
  writeConfig(section);
  let text = "";
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  const log = await createLogger({ level: "debug", destination: sink });
  const runtime = await createRuntime({ env: sandbox.env, modules: [iptv], log });
  const ctx = moduleContext(runtime, "iptv");
  const running = await startProxy(ctx, runtime.config.iptv as IptvConfig);
  return {
    sandbox,
    provider,
    runtime,
    running,
    full: `http://127.0.0.1:${fullPort}`,
    mini: `http://127.0.0.1:${miniPort}`,
    logs: () => text,
    writeConfig,
    section,
    stop: async () => {
      await running.stop();
      await closeDatabases(runtime);
      await provider.close();
      sandbox.cleanup();
    },
  };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One plain HTTP request with a fresh connection; the whole body is read. */
export function get(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: init.method ?? "GET", headers: init.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Reads the first `bytes` of a stream, then hangs up (as a player switching channel does). */
export function peek(
  url: string,
  bytes: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      };
      res.on("data", (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (size >= bytes) done();
      });
      res.on("end", done);
      res.on("error", () => done());
    });
    req.on("error", reject);
  });
}

export function api(base: string, user: string, pass: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams({ username: user, password: pass, ...params });
  return `${base}/player_api.php?${q}`;
}

export interface Watcher {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Bytes received so far. */
  bytes(): number;
  /** The first bytes received. */
  first(): Buffer;
  /** Resolves when the proxy ends or breaks the stream. */
  ended: Promise<void>;
  /** Stops reading (the socket fills up, as a stalled player's does). */
  stall(): void;
  resume(): void;
  close(): void;
}

/** A player holding a stream open: resolves once the answer's headers are in. */
export function watch(url: string, userAgent = "test-player/1.0"): Promise<Watcher> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { "user-agent": userAgent } }, (res) => {
      let size = 0;
      const head: Buffer[] = [];
      let headSize = 0;
      const ended = new Promise<void>((done) => {
        res.once("end", () => done());
        res.once("close", () => done());
        res.once("error", () => done());
      });
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (headSize < 4096) {
          head.push(chunk);
          headSize += chunk.length;
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        bytes: () => size,
        first: () => Buffer.concat(head),
        ended,
        stall: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
  });
}
