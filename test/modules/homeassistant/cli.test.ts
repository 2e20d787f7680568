import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeHomeAssistant,
  startFakeHomeAssistant,
} from "../../fixtures/homeassistant/fake-home-assistant.ts";
import { makeSandbox, runCli, type Sandbox } from "../../helpers/sandbox.ts";

const TOKEN = "cli-test-token-abcdefghijklmnop";
let hass: FakeHomeAssistant;
let sandbox: Sandbox;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  hass = await startFakeHomeAssistant({ token: TOKEN });
  sandbox = makeSandbox();
  env = { ...sandbox.env, HASS_SERVER: hass.url, HASS_TOKEN: TOKEN };
});
afterAll(async () => {
  await hass.stop();
  sandbox.cleanup();
});

describe("deskhub hass (replacing hass-cli)", () => {
  it("lists entities, optionally of one domain, as a table or JSON", async () => {
    const table = await runCli(["hass", "entities", "--domain", "light"], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.trim().split("\n")).toEqual([
      expect.stringMatching(/^light\.living_room\s+off\s+Living room$/),
      expect.stringMatching(/^light\.office\s+on\s+Office ceiling$/),
      expect.stringMatching(/^light\.office_desk\s+off\s+Office desk lamp$/),
    ]);
    const json = await runCli(["hass", "entities", "--json"], env);
    const ids = (JSON.parse(json.stdout) as Array<{ entity_id: string }>).map((s) => s.entity_id);
    expect(ids).toContain("sun.sun");
    expect(ids).toEqual([...ids].sort());
  });

  it("calls a service with a target and typed key=value data, and shows one state", async () => {
    const call = await runCli(
      [
        "hass",
        "call",
        "light.turn_on",
        "--target",
        "light.office_desk",
        "brightness_pct=40",
        "rgb_color=[255,120,0]",
        "--json",
      ],
      env,
    );
    expect(call.code, call.stderr).toBe(0);
    const result = JSON.parse(call.stdout);
    expect(result).toMatchObject({
      service: "light.turn_on",
      target: { entity_id: "light.office_desk" },
      data: { brightness_pct: 40, rgb_color: [255, 120, 0] },
    });
    expect(result.changed[0]).toMatchObject({ entity_id: "light.office_desk", state: "on" });
    expect(hass.calls.at(-1)).toEqual({
      via: "rest",
      domain: "light",
      service: "turn_on",
      data: { brightness_pct: 40, rgb_color: [255, 120, 0] },
      target: { entity_id: "light.office_desk" },
    });
    const state = await runCli(["hass", "state", "light.office_desk"], env);
    expect(state.code, state.stderr).toBe(0);
    expect(state.stdout).toMatch(/^light\.office_desk: on\n/);
    expect(state.stdout).toContain("  brightness: 102\n");
    expect(state.stdout).toContain("  rgb_color: [255,120,0]\n");

    const off = await runCli(["hass", "call", "light.turn_off", "-t", "light.office_desk"], env);
    expect(off.stdout).toBe("called light.turn_off\n  light.office_desk: off\n");
  });

  it("says clearly what is wrong, with the right exit code", async () => {
    const missing = await runCli(["hass", "state", "light.attic"], env);
    expect(missing.code).toBe(65);
    expect(missing.stderr).toContain("Home Assistant has no entity light.attic");
    expect(missing.stderr).toContain("deskhub hass entities");

    const badPair = await runCli(["hass", "call", "light.turn_on", "brightness"], env);
    expect(badPair.code).toBe(64);
    expect(badPair.stderr).toContain('"brightness" is not key=value');

    const badToken = await runCli(["hass", "entities"], { ...env, HASS_TOKEN: "not-the-token" });
    expect(badToken.code).toBe(77);
    expect(badToken.stderr).toContain("refused the access token");
    // The token is a secret: it appears nowhere in what was printed.
    expect(badToken.stderr).not.toContain("not-the-token");

    const noServer = await runCli(["hass", "entities"], { ...sandbox.env, HASS_TOKEN: TOKEN });
    expect(noServer.code).toBe(78);
    expect(noServer.stderr).toContain("HASS_SERVER");

    const noToken = await runCli(["hass", "entities"], { ...sandbox.env, HASS_SERVER: hass.url });
    expect(noToken.code).toBe(78);
    expect(noToken.stderr).toContain('secret "hass_token" is not set');
    expect(noToken.stderr).toContain("HASS_TOKEN");
  });
});

describe("deskhub homeassistant", () => {
  it("shows what the bridge would do when the daemon is not running, and exits 69", async () => {
    const result = await runCli(["homeassistant", "status", "--json"], { ...env, MQTT_BROKER: "broker.lan" });
    expect(result.code).toBe(69);
    const status = JSON.parse(result.stdout);
    expect(status).toMatchObject({
      running: false,
      planned: {
        broker: { kind: "configured", url: "mqtt://broker.lan:1883" },
        node_id: "testhost",
        discovery_topic: "homeassistant/device/testhost/config",
        base_topic: "deskhub/testhost",
        home_assistant: { server: hass.url, token: "found (env: HASS_TOKEN)" },
      },
    });
    expect(result.stdout).not.toContain(TOKEN);
  });

  it("rejects a broker setting it cannot read, naming the variable", async () => {
    const result = await runCli(["homeassistant", "status"], { ...env, MQTT_BROKER: "http://broker.lan" });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('homeassistant.broker "http://broker.lan" is not a broker address');
  });
});
