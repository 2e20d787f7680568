import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type DaemonHandle, startDaemon } from "../../../src/app/daemon/daemon.ts";
import { DAEMON_NODE_FLAGS } from "../../../src/app/daemon/node-flags.ts";
import counter from "../../fixtures/modules/counter.ts";
import { freePort, makeSandbox, runCli, type Sandbox, spawnCli, waitFor } from "../../helpers/sandbox.ts";

let sandbox: Sandbox;
afterEach(() => sandbox?.cleanup());

describe("deskhub --help and completion", () => {
  it("lists the commands, each with an example", async () => {
    sandbox = makeSandbox();
    const help = await runCli(["--help"], sandbox.env);
    expect(help.code).toBe(0);
    for (const command of ["up", "status", "config", "secrets", "logs", "systemd", "waybar", "completion"]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
    for (const args of [["config", "check"], ["systemd", "install"], ["secrets", "get"], ["waybar"]]) {
      const sub = await runCli([...args, "--help"], sandbox.env);
      expect(sub.stdout, args.join(" ")).toContain("Example");
    }
  });

  it("prints completion scripts that know subcommands", async () => {
    sandbox = makeSandbox();
    const bash = await runCli(["completion", "bash"], sandbox.env);
    expect(bash.stdout).toContain("complete -F _deskhub deskhub");
    expect(bash.stdout).toMatch(/"config"\) words="path show check schema init/);
    const fish = await runCli(["completion", "fish"], sandbox.env);
    expect(fish.stdout).toContain("complete -c deskhub -n '__fish_seen_subcommand_from config' -a 'check'");
    const bad = await runCli(["completion", "tcsh"], sandbox.env);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("use bash, zsh or fish");
  });

  it("exits 64 on an unknown command or option", async () => {
    sandbox = makeSandbox();
    expect((await runCli(["frobnicate"], sandbox.env)).code).toBe(64);
    expect((await runCli(["status", "--frob"], sandbox.env)).code).toBe(64);
  });
});

describe("a module's command", () => {
  it("runs when another module's section has a mistake, which config check still reports", async () => {
    sandbox = makeSandbox();
    mkdirSync(sandbox.configDir, { recursive: true });
    writeFileSync(
      join(sandbox.configDir, "config.yaml"),
      "media:\n  menu: rofl\nfiles:\n  recent:\n    keep: 50\n",
    );
    const own = await runCli(["recent", "list", "--json"], sandbox.env);
    expect(own).toMatchObject({ code: 0, stderr: "" });
    const check = await runCli(["config", "check"], sandbox.env);
    expect(check.code).toBe(78);
    expect(check.stderr).toMatch(/config\.yaml:2: media\.menu/);
    const broken = await runCli(["media", "status", "--json"], sandbox.env);
    expect(broken.code).toBe(78);
    expect(broken.stderr).toMatch(/media\.menu/);
  });

  it("stops quietly when the reader closes the pipe early", async () => {
    sandbox = makeSandbox();
    const piped = spawnSync("sh", ["-c", `"${process.execPath}" src/main.ts config schema | head -c 10`], {
      env: sandbox.env,
      encoding: "utf8",
    });
    expect(piped.stdout).toBe('{\n  "$sche');
    expect(piped.stderr).toBe("");
  });
});

describe("deskhub systemd", () => {
  it("writes user units that run this deskhub, reports them, and removes them", async () => {
    sandbox = makeSandbox();
    const install = await runCli(["systemd", "install", "--no-reload"], sandbox.env);
    expect(install.code).toBe(0);
    const unit = join(sandbox.root, "config/systemd/user/deskhub.service");
    const text = readFileSync(unit, "utf8");
    expect(text).toMatch(/^ExecStart=\S+node --max-semi-space-size=2 \S+\/src\/main\.ts up$/m);
    // `npm start` runs the daemon as the unit does.
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: { start: string } };
    expect(pkg.scripts.start).toBe(`node ${DAEMON_NODE_FLAGS.join(" ")} src/main.ts up`);
    expect(existsSync(join(sandbox.root, "config/systemd/user/deskhub-calendar-sync.timer"))).toBe(true);
    const status = JSON.parse((await runCli(["systemd", "status", "--json"], sandbox.env)).stdout);
    expect(status[0]).toMatchObject({ unit: "deskhub.service", installed: true, current: true });
    expect((await runCli(["systemd", "uninstall", "--no-reload"], sandbox.env)).code).toBe(0);
    expect(existsSync(unit)).toBe(false);
  });
});

describe("deskhub secrets", () => {
  it("says where each secret was found without printing it, and refuses a key file others can read", async () => {
    sandbox = makeSandbox({ SOME: "x" });
    const { mkdirSync, writeFileSync, chmodSync } = await import("node:fs");
    const keyDir = join(sandbox.home, ".config/openai");
    mkdirSync(keyDir, { recursive: true });
    writeFileSync(join(keyDir, "api_key"), "sk-test-key-123456\n");
    chmodSync(join(keyDir, "api_key"), 0o644);
    mkdirSync(sandbox.configDir, { recursive: true });
    writeFileSync(
      join(sandbox.configDir, "config.yaml"),
      "secrets:\n  files:\n    openai_api_key: [~/.config/openai/api_key]\n",
    );
    const get = await runCli(["secrets", "get", "openai_api_key"], sandbox.env);
    expect(get.code).toBe(77);
    expect(get.stderr).toContain(`chmod 600 ${join(keyDir, "api_key")}`);
    chmodSync(join(keyDir, "api_key"), 0o600);
    const ok = await runCli(["secrets", "get", "openai_api_key"], sandbox.env);
    expect(ok.stdout).toBe("sk-test-key-123456\n");
    const missing = await runCli(["secrets", "get", "hass_token"], { ...sandbox.env });
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain("HASS_TOKEN");
  });
});

describe("deskhub waybar", () => {
  let daemon: DaemonHandle;
  beforeAll(async () => {
    sandbox = makeSandbox();
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(sandbox.configDir, { recursive: true });
    writeFileSync(join(sandbox.configDir, "config.yaml"), `dashboard:\n  port: ${await freePort()}\n`);
    daemon = await startDaemon({ env: sandbox.env, modules: [counter] });
  });
  afterAll(async () => {
    await daemon?.stop();
    sandbox?.cleanup();
  });

  it("streams a JSON line now and on every change, and says offline when the daemon goes", async () => {
    const waybar = spawnCli(["waybar", "counter.value", "counter.mode"], sandbox.env);
    const lines = () =>
      waybar
        .output()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l));
    await waitFor(() => lines().length >= 1, { timeout: 10_000, what: "first line" });
    expect(lines()[0]).toEqual({
      text: "0 clicks  slow",
      tooltip: "Counter: 0\nMode: slow",
      class: "0",
      alt: "0",
    });
    await daemon.runtime.store.run("counter.set_mode", { value: "fast" }, "test");
    await waitFor(() => lines().some((l) => l.text === "0 clicks  fast"), { what: "change" });
    await daemon.stop();
    await waitFor(() => lines().some((l) => l.class === "offline"), { what: "offline line" });
    waybar.kill();
  });
});
