import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type FakeProvider, startFakeProvider } from "../../fixtures/iptv/provider.ts";
import { freePort, makeSandbox, runCli, type Sandbox, spawnCli, waitFor } from "../../helpers/sandbox.ts";
import { api, get, LINE2, MAIN } from "./harness.ts";

let provider: FakeProvider;
let sandbox: Sandbox;
let fullPort: number;
let miniPort: number;

beforeAll(async () => {
  provider = await startFakeProvider({ accounts: [MAIN, LINE2] });
  [fullPort, miniPort] = [await freePort(), await freePort()];
  sandbox = makeSandbox({
    UPSTREAM_SERVER: provider.url,
    UPSTREAM_USERNAME: MAIN.username,
    UPSTREAM_PASSWORD: MAIN.password,
    PROXY_USER1_USERNAME: "alice",
    PROXY_USER1_PASSWORD: "alice-pass-1",
    PROXY_USER2_USERNAME: "bob",
    PROXY_USER2_PASSWORD: "bob-pass-22",
    PROXY_USER2_STREAM_USER: LINE2.username,
    PROXY_USER2_STREAM_PASS: LINE2.password,
  });
  mkdirSync(sandbox.configDir, { recursive: true });
  writeFileSync(
    join(sandbox.configDir, "config.yaml"),
    stringify({
      iptv: {
        users: { bob: { profile: "kids", max_streams: 1 } },
        profiles: { kids: { hide_adult: true, live: { exclude_categories: ["Sports"] } } },
        listeners: { full: { port: fullPort }, mini: { port: miniPort } },
      },
    }),
  );
});
afterAll(async () => {
  await provider?.close();
  sandbox?.cleanup();
});

const secrets = [MAIN.password, LINE2.password, MAIN.username, LINE2.username, "alice-pass-1", "bob-pass-22"];

describe("deskhub iptv", () => {
  it("users: lists people from the file and the environment, merged by name, without passwords", async () => {
    const result = await runCli(["iptv", "users", "--json"], sandbox.env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      proxy_running: false,
      users: [
        { name: "bob", profile: "kids", max_streams: 1, line: "own", streams: null },
        { name: "alice", profile: "full", max_streams: 2, line: "main", streams: null },
      ],
    });
    const table = await runCli(["iptv", "users"], sandbox.env);
    expect(table.stdout).toMatch(/^USER\s+PROFILE\s+MAX\s+LINE\s+WATCHING\n/);
    for (const secret of secrets.slice(0, 4)) expect(result.stdout + table.stdout).not.toContain(secret);
  });

  it("m3u: prints a person's playlist (fetching the catalogue the first time) with the listener's address", async () => {
    const result = await runCli(["iptv", "m3u", "--user", "bob"], sandbox.env);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split("\r\n");
    expect(lines[0]).toBe("#EXTM3U");
    expect(lines[2]).toBe(`http://127.0.0.1:${fullPort}/live/bob/bob-pass-22/3.ts`);
    expect(result.stdout).not.toContain("Late Night XXX");
    const json = await runCli(
      ["iptv", "m3u", "--user", "alice", "--listener", "mini", "--output", "m3u8", "--json"],
      sandbox.env,
    );
    const entries = JSON.parse(json.stdout) as Array<{ name: string; url: string; group: string }>;
    expect(entries[0]).toMatchObject({
      name: "News 24/7",
      group: "Sports",
      url: `http://127.0.0.1:${miniPort}/live/alice/alice-pass-1/1.m3u8`,
    });
    expect(entries.every((e) => e.url.includes("/live/"))).toBe(true);
    const unknown = await runCli(["iptv", "m3u", "--user", "carol"], sandbox.env);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('no user "carol"');
    expect(unknown.stderr).toContain("known users: alice, bob");
  });

  it("refresh: reports what it fetched, and exits 69 with the cached lists kept when the provider is down", async () => {
    const result = await runCli(["iptv", "refresh", "--json"], sandbox.env);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      kinds: Array<{ kind: string; streams: number }>;
      lines: unknown[];
    };
    expect(report.ok).toBe(true);
    expect(report.kinds.map((k) => [k.kind, k.streams])).toEqual([
      ["live", 7],
      ["vod", 3],
      ["series", 2],
    ]);
    expect(report.lines).toEqual([
      { line: "main", ok: true, limit: 2 },
      { line: "user:bob", ok: true, limit: 1 },
    ]);
    provider.setOutage("down");
    try {
      const down = await runCli(["iptv", "refresh"], sandbox.env);
      expect(down.code).toBe(69);
      expect(down.stdout).toMatch(/live: failed, the provider cannot be reached/);
      expect(down.stderr).toMatch(
        /could not be refreshed completely\n {2}the cached lists \(\d+s old\) stay in use/,
      );
      for (const text of [down.stdout, down.stderr]) {
        expect(text).not.toContain(new URL(provider.url).host);
        for (const secret of secrets) expect(text).not.toContain(secret);
      }
    } finally {
      provider.setOutage("none");
    }
  });

  it("sessions: says when no proxy runs", async () => {
    const result = await runCli(["iptv", "sessions"], sandbox.env);
    expect(result.code).toBe(69);
    expect(result.stderr).toContain("the IPTV proxy is not running");
    expect(result.stderr).toContain("deskhub iptv serve");
  });

  it("serve: runs the proxy standalone until SIGTERM; sessions sees it", async () => {
    const child = spawnCli(["iptv", "serve"], sandbox.env);
    try {
      await waitFor(() => child.output().includes(`mini: http://127.0.0.1:${miniPort}`), {
        timeout: 15_000,
        what: "the listeners",
      });
      const login = await get(api(`http://127.0.0.1:${fullPort}`, "bob", "bob-pass-22"));
      expect(login.status).toBe(200);
      expect(JSON.parse(login.text)).toMatchObject({ user_info: { username: "bob", max_connections: "1" } });
      const sessions = await runCli(["iptv", "sessions", "--json"], sandbox.env);
      expect(sessions.code, sessions.stderr).toBe(0);
      expect(JSON.parse(sessions.stdout)).toMatchObject({
        listeners: [
          { name: "full", url: `http://127.0.0.1:${fullPort}`, profile: "full" },
          { name: "mini", url: `http://127.0.0.1:${miniPort}`, profile: "mini" },
        ],
        streams: [],
        lines: [
          { line: "main", connections: 0, limit: 2 },
          { line: "bob", connections: 0, limit: 1 },
        ],
      });
      child.kill("SIGTERM");
      expect(await child.exited).toBe(0);
      expect((await runCli(["iptv", "sessions"], sandbox.env)).code).toBe(69);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
