import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type DaemonHandle, startDaemon } from "../../src/app/daemon/daemon.ts";
import { DaemonClient } from "../../src/core/control/client.ts";
import { resolvePaths } from "../../src/core/paths.ts";
import { clearSecrets } from "../../src/core/redact.ts";
import counter from "../fixtures/modules/counter.ts";
import needy from "../fixtures/modules/needy.ts";
import { freePort, makeSandbox, runCli, type Sandbox, spawnCli, waitFor } from "../helpers/sandbox.ts";

let sandbox: Sandbox;
let daemon: DaemonHandle | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  sandbox?.cleanup();
  clearSecrets();
});

async function configure(extra = ""): Promise<number> {
  const port = await freePort();
  mkdirSync(sandbox.configDir, { recursive: true });
  writeFileSync(join(sandbox.configDir, "config.yaml"), `dashboard:\n  port: ${port}\n${extra}`);
  return port;
}

describe("the daemon", () => {
  it("runs services, answers on the control socket (mode 0600) and writes status files", async () => {
    sandbox = makeSandbox();
    await configure("counter:\n  start: 41\n");
    daemon = await startDaemon({ env: sandbox.env, modules: [counter, needy] });
    const paths = resolvePaths(sandbox.env);
    expect(statSync(join(paths.runtimeDir, "daemon.sock")).mode & 0o777).toBe(0o600);

    const client = await DaemonClient.connect(paths);
    const status = await client.call<{ modules: Array<{ module: string; state: string; how?: string }> }>(
      "status",
    );
    expect(status.modules).toEqual([
      expect.objectContaining({ module: "counter", state: "running" }),
      expect.objectContaining({
        module: "needy",
        state: "needs_config",
        how: "set needy.server or NEEDY_SERVER",
      }),
    ]);
    expect(await client.run("counter.increment", { by: 1 })).toEqual({ value: 42 });
    await expect(client.run("counter.increment", { by: "x" })).rejects.toThrow(
      /bad arguments for counter.increment: by/,
    );
    await expect(client.run("nope.nothing")).rejects.toThrow(/no command "nope.nothing"/);
    client.close();

    const file = join(paths.runtimeDir, "status", "counter.value");
    await waitFor(() => readFileSync(file, "utf8") === "42\n", { what: "status file" });
  });

  it("restarts a crashed service with backoff while the others run on", async () => {
    sandbox = makeSandbox();
    await configure("counter:\n  fail_starts: 1\n");
    daemon = await startDaemon({ env: sandbox.env, modules: [counter] });
    const health = () => daemon!.runtime.store.get("counter.health")?.state;
    expect(health()?.value).toBe("failed");
    expect(String(health()?.attributes.message)).toContain("start 1 failed on purpose");
    await waitFor(() => health()?.value === "running", { timeout: 5_000, what: "restart" });
    expect(health()?.attributes.restarts).toBe(1);
    await daemon.runtime.store.run("counter.crash", {}, "test");
    expect(health()?.value).toBe("failed");
    await waitFor(() => health()?.value === "running", { timeout: 8_000, what: "second restart" });
    expect(health()?.attributes.restarts).toBe(2);
  });

  it("streams entity changes to subscribers", async () => {
    sandbox = makeSandbox();
    await configure();
    daemon = await startDaemon({ env: sandbox.env, modules: [counter] });
    const client = await DaemonClient.connect(resolvePaths(sandbox.env));
    const seen: unknown[] = [];
    client.onEvent((event) => seen.push(event.data));
    const initial = await client.call<Array<{ id: string; value: unknown }>>("subscribe", {
      entities: ["counter.value"],
    });
    expect(initial).toEqual([expect.objectContaining({ id: "counter.value", value: 0 })]);
    await daemon.runtime.store.run("counter.increment", { by: 3 }, "test");
    await waitFor(() => seen.length > 0, { what: "event" });
    expect(seen[0]).toMatchObject({ id: "counter.value", value: 3 });
    client.close();
  });

  it("never lets a secret reach a log, a status, a response or an error", async () => {
    const secret = "s3cr3t-Token-7f9a2c";
    sandbox = makeSandbox({ COUNTER_TOKEN: secret });
    const port = await configure();
    daemon = await startDaemon({ env: sandbox.env, modules: [counter] });
    const client = await DaemonClient.connect(resolvePaths(sandbox.env));
    const texts: string[] = [];
    texts.push(JSON.stringify(await client.call("status")), JSON.stringify(await client.call("entities")));
    const leak = await client.run<string>("counter.leak").catch((error: Error) => error.message);
    texts.push(leak);
    expect(leak).toContain("bad token [redacted]");
    client.close();
    for (const path of ["/api/state", "/"])
      texts.push(await (await fetch(`http://127.0.0.1:${port}${path}`)).text());
    const res = await fetch(`http://127.0.0.1:${port}/api/commands/counter.leak`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    texts.push(await res.text());
    await daemon.stop();
    daemon = undefined;
    const logDir = join(sandbox.stateDir, "logs");
    const logs = readdirSync(logDir).map((f) => readFileSync(join(logDir, f), "utf8"));
    expect(logs.join("")).toContain("counter starting with token [redacted]");
    for (const text of [...texts, ...logs]) expect(text).not.toContain(secret);
  });

  it("starts on a broken config and shows the problems instead of running modules", async () => {
    sandbox = makeSandbox();
    const port = await freePort();
    mkdirSync(sandbox.configDir, { recursive: true });
    writeFileSync(join(sandbox.configDir, "config.yaml"), `counter:\n  start: many\n`);
    sandbox.env.DESKHUB_TEST_PORT = String(port);
    daemon = await startDaemon({ env: sandbox.env, modules: [counter] });
    expect(daemon.runtime.store.value("counter.health")).toBe("needs_config");
    const state = await (await fetch(`${daemon.dashboardUrl}api/state`)).json();
    expect(state.config.problems[0]).toMatchObject({ path: "counter.start", line: 2 });
  });
});

describe("deskhub up and status (CLI)", () => {
  it("refuses a second daemon with the pid, stops on SIGTERM with exit 0, and says when none runs", async () => {
    sandbox = makeSandbox();
    await configure();
    const none = await runCli(["status"], sandbox.env);
    expect(none.code).toBe(69);
    expect(none.stderr).toContain("the deskhub daemon is not running");
    expect(none.stderr).toContain("deskhub up");

    const up = spawnCli(["up"], sandbox.env);
    const paths = resolvePaths(sandbox.env);
    await waitFor(async () => (await runCli(["status", "--json"], sandbox.env)).code === 0, {
      timeout: 15_000,
      what: "daemon",
    });
    const status = JSON.parse((await runCli(["status", "--json"], sandbox.env)).stdout);
    expect(status).toMatchObject({ running: true, pid: up.pid });

    const second = await runCli(["up"], sandbox.env);
    expect(second.code).toBe(69);
    expect(second.stderr).toContain(`already running (pid ${up.pid})`);

    const started = Date.now();
    up.kill("SIGTERM");
    const code = await up.exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(() => statSync(join(paths.runtimeDir, "daemon.sock"))).toThrow();
  });
});
