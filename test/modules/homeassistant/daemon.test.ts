import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Mosquitto, startMosquitto } from "../../helpers/mosquitto.ts";
import { freePort, makeSandbox, runCli, type Sandbox, spawnCli, waitFor } from "../../helpers/sandbox.ts";
import { discoveryProblems } from "./ha-discovery-rules.ts";
import { now, type Recorder, record } from "./support.ts";

type Daemon = ReturnType<typeof spawnCli>;

let broker: Mosquitto;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  broker = await startMosquitto();
});
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
afterAll(async () => {
  await broker.close();
});

function newSandbox(env: NodeJS.ProcessEnv = {}): Sandbox {
  const sandbox = makeSandbox(env);
  cleanups.push(() => sandbox.cleanup());
  return sandbox;
}

/** Writes the config; returns the dashboard's port. */
async function writeConfig(sandbox: Sandbox, homeassistant: string): Promise<number> {
  mkdirSync(sandbox.configDir, { recursive: true });
  const port = await freePort();
  writeFileSync(
    join(sandbox.configDir, "config.yaml"),
    `dashboard:\n  port: ${port}\nhomeassistant:\n${homeassistant}`,
  );
  return port;
}

async function sandboxWith(homeassistant: string, env: NodeJS.ProcessEnv = {}): Promise<Sandbox> {
  const sandbox = newSandbox(env);
  await writeConfig(sandbox, homeassistant);
  return sandbox;
}

function up(sandbox: Sandbox): Daemon {
  const daemon = spawnCli(["up"], sandbox.env);
  cleanups.push(async () => {
    if (daemon.exitCode !== null || daemon.signalCode !== null) return;
    daemon.kill("SIGTERM");
    await daemon.exited;
  });
  return daemon;
}

async function listen(url: string, topics: string[]): Promise<Recorder> {
  const recorder = await record(url, topics);
  cleanups.push(() => recorder.close());
  return recorder;
}

function mosquittoClient(
  program: "mosquitto_sub" | "mosquitto_pub",
  args: string[],
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(program, args, { timeout: 10_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, out: stdout + stderr }),
    );
  });
}

describe("the homeassistant service in `deskhub up`", () => {
  it("leaves its retained will, offline, when the daemon is killed with SIGKILL", async () => {
    const sandbox = await sandboxWith(`  broker: "127.0.0.1:${broker.port}"\n  node_id: killed\n`);
    const recorder = await listen(broker.url, ["deskhub/killed/availability"]);
    const daemon = up(sandbox);
    await recorder.next("deskhub/killed/availability", (p) => p === "online", { timeout: 20_000 });
    const killedAt = now();
    daemon.kill("SIGKILL");
    await recorder.next("deskhub/killed/availability", (p) => p === "offline", { since: killedAt });
    // Retained: Home Assistant restarting later still learns the machine is gone.
    const late = await listen(broker.url, ["deskhub/killed/availability"]);
    const seen = await late.next("deskhub/killed/availability");
    expect([seen.payload, seen.retain]).toEqual(["offline", true]);
  });

  it("answers `homeassistant status` and `discovery` from the running daemon", async () => {
    const sandbox = await sandboxWith(`  broker: "127.0.0.1:${broker.port}"\n`);
    const recorder = await listen(broker.url, ["homeassistant/device/testhost/config"]);
    up(sandbox);
    await recorder.next("homeassistant/device/testhost/config", () => true, { timeout: 20_000 });
    const status = await runCli(["homeassistant", "status", "--json"], sandbox.env);
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout);
    expect(parsed).toMatchObject({
      running: true,
      broker: { kind: "configured", url: `mqtt://127.0.0.1:${broker.port}`, connected: true },
      node_id: "testhost",
      discovery_topic: "homeassistant/device/testhost/config",
      home_assistant: { state: "not_configured" },
    });
    expect(parsed.last_discovery.components).toBeGreaterThan(0);

    const shown = await runCli(["homeassistant", "discovery", "--json"], sandbox.env);
    expect(shown.code, shown.stderr).toBe(0);
    const { topic, payload } = JSON.parse(shown.stdout);
    expect(topic).toBe("homeassistant/device/testhost/config");
    expect(discoveryProblems(topic, payload, "testhost")).toEqual([]);
    // What the command shows is what the broker has.
    expect(payload).toEqual(JSON.parse(recorder.last(topic)!.payload));
    expect(Object.keys(payload.cmps)).toEqual(
      expect.arrayContaining([
        "homeassistant_connection",
        "homeassistant_broker",
        "homeassistant_last_discovery",
        "homeassistant_health",
      ]),
    );
  });

  it("runs an embedded broker when none is configured, usable with mosquitto_sub and mosquitto_pub", async () => {
    const port = await freePort();
    const sandbox = newSandbox();
    // The named command touches a file whose name a shell would split in two.
    const mark = join(sandbox.root, "marked; echo no-shell");
    const dashboardPort = await writeConfig(
      sandbox,
      `  embedded:\n    port: ${port}\n  commands:\n    mark:\n      argv: [touch, ${JSON.stringify(mark)}]\n      label: Leave a mark\n`,
    );
    up(sandbox);
    const sub = await waitFor(
      async () => {
        const result = await mosquittoClient("mosquitto_sub", [
          "-h",
          "127.0.0.1",
          "-p",
          String(port),
          "-t",
          "homeassistant/device/+/config",
          "-C",
          "1",
          "-W",
          "3",
        ]);
        return result.code === 0 ? result : undefined;
      },
      { timeout: 20_000, what: "discovery on the embedded broker" },
    );
    const payload = JSON.parse(sub.out);
    expect(discoveryProblems("homeassistant/device/testhost/config", payload, "testhost")).toEqual([]);
    expect(payload.cmps.homeassistant_cmd_mark_command).toMatchObject({
      p: "button",
      name: "Leave a mark",
      cmd_t: "deskhub/testhost/homeassistant.cmd.mark/run",
    });
    const kind = await mosquittoClient("mosquitto_sub", [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-t",
      "deskhub/testhost/homeassistant.broker/state",
      "-C",
      "1",
      "-W",
      "3",
    ]);
    expect(kind.out.trim()).toBe("embedded");
    // How to point Home Assistant at it: on the dashboard and in `homeassistant status`,
    // not as a sensor in Home Assistant, which is connected already when it could read it.
    const dashboard = (await (await fetch(`http://127.0.0.1:${dashboardPort}/api/state`)).json()) as {
      entities: Array<{ id: string; value: unknown }>;
    };
    const how = dashboard.entities.find((e) => e.id === "homeassistant.how_to_connect");
    expect(how?.value).toContain(`Add integration > MQTT and enter broker 127.0.0.1, port ${port}`);
    expect(payload.cmps.homeassistant_how_to_connect).toBeUndefined();
    const status = await runCli(["homeassistant", "status"], sandbox.env);
    expect(status.stdout).toMatch(/^broker: {4}embedded, mqtt:\/\/127\.0\.0\.1:\d+, connected$/m);
    expect(status.stdout).toContain(`connect:   ${how?.value}`);

    const pub = await mosquittoClient("mosquitto_pub", [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-q",
      "1",
      "-t",
      "deskhub/testhost/homeassistant.cmd.mark/run",
      "-m",
      "PRESS",
    ]);
    expect(pub.code, pub.out).toBe(0);
    // argv went to the program as it was: the ";" in the file name made no second command.
    await waitFor(() => existsSync(mark), { what: "the named command to run" });
  });

  it("requires the configured credentials on the embedded broker", async () => {
    const port = await freePort();
    const sandbox = await sandboxWith(`  embedded:\n    port: ${port}\n`, {
      MQTT_USERNAME: "deskhub",
      MQTT_PASSWORD: "correct horse battery",
    });
    up(sandbox);
    const withCredentials = [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-t",
      "deskhub/testhost/availability",
      "-C",
      "1",
      "-W",
      "3",
    ];
    const ok = await waitFor(
      async () => {
        const result = await mosquittoClient("mosquitto_sub", [
          ...withCredentials,
          "-u",
          "deskhub",
          "-P",
          "correct horse battery",
        ]);
        return result.code === 0 ? result : undefined;
      },
      { timeout: 20_000, what: "an authenticated subscription" },
    );
    expect(ok.out.trim()).toBe("online");
    const anonymous = await mosquittoClient("mosquitto_sub", withCredentials);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.out).toMatch(/not authori[sz]ed|bad user name or password/i);
    const wrong = await mosquittoClient("mosquitto_sub", [
      ...withCredentials,
      "-u",
      "deskhub",
      "-P",
      "wrong",
    ]);
    expect(wrong.code).not.toBe(0);
  });
});
