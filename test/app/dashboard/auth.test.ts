import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type DaemonHandle, startDaemon } from "../../../src/app/daemon/daemon.ts";
import counter from "../../fixtures/modules/counter.ts";
import { freePort, makeSandbox, type Sandbox } from "../../helpers/sandbox.ts";

let sandbox: Sandbox;
let daemon: DaemonHandle | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  sandbox?.cleanup();
});

async function configure(dashboard: string): Promise<number> {
  const port = await freePort();
  mkdirSync(sandbox.configDir, { recursive: true });
  writeFileSync(join(sandbox.configDir, "config.yaml"), `dashboard:\n  port: ${port}\n${dashboard}`);
  return port;
}

describe("dashboard off loopback", () => {
  it("refuses to bind beyond 127.0.0.1 without a token", async () => {
    sandbox = makeSandbox();
    await configure("  host: 127.0.0.2\n");
    await expect(startDaemon({ env: sandbox.env, modules: [counter] })).rejects.toMatchObject({
      code: 78,
      hint: expect.stringContaining("dashboard.token"),
    });
  });

  it("with a token, answers 401 without it and serves with it (header, or ?token= then cookie)", async () => {
    sandbox = makeSandbox();
    const token = "a-long-random-dashboard-token";
    const port = await configure(`  host: 127.0.0.2\n  token: ${token}\n`);
    daemon = await startDaemon({ env: sandbox.env, modules: [counter] });
    const base = `http://127.0.0.2:${port}`;
    const denied = await fetch(`${base}/api/state`);
    expect(denied.status).toBe(401);
    expect(await denied.text()).not.toContain(token);
    expect((await fetch(`${base}/api/state`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    const first = await fetch(`${base}/?token=${token}`);
    expect(first.status).toBe(200);
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    const state = await fetch(`${base}/api/state`, { headers: { cookie } });
    expect(state.status).toBe(200);
    expect(await state.text()).not.toContain(token);
  });
});
