import { type AddressInfo, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/core/errors.ts";
import { scrub } from "../../../src/core/redact.ts";
import { parseData, parseTarget } from "../../../src/modules/homeassistant/cli/arguments.ts";
import { HomeAssistantConfig, namedCommands } from "../../../src/modules/homeassistant/config.ts";
import { parseBroker } from "../../../src/modules/homeassistant/mqtt/broker-url.ts";
import { startEmbeddedBroker } from "../../../src/modules/homeassistant/mqtt/embedded-broker.ts";
import { runNamedCommand } from "../../../src/modules/homeassistant/named-commands.ts";
import { captureLog } from "./support.ts";

describe("broker addresses", () => {
  it("reads a bare host as the old scripts had it, host:port and URLs", () => {
    expect(parseBroker("mqtt.lan")).toMatchObject({ url: "mqtt://mqtt.lan:1883", port: 1883 });
    expect(parseBroker("192.168.1.10:1884")).toMatchObject({
      url: "mqtt://192.168.1.10:1884",
      host: "192.168.1.10",
    });
    expect(parseBroker("mqtts://broker.example.net")).toMatchObject({
      url: "mqtts://broker.example.net:8883",
      protocol: "mqtts",
    });
    expect(parseBroker("ws://broker:9001/mqtt").url).toBe("ws://broker:9001/mqtt");
    expect(parseBroker("[fd00::5]:1883").url).toBe("mqtt://[fd00::5]:1883");
  });

  it("takes credentials out of the URL and treats the password as a secret", () => {
    const address = parseBroker("mqtt://deskhub:s3cr%40t-pass@broker.lan");
    expect(address).toMatchObject({
      url: "mqtt://broker.lan:1883",
      username: "deskhub",
      password: "s3cr@t-pass",
    });
    expect(scrub("connecting with s3cr@t-pass")).toBe("connecting with [redacted]");
  });

  it("refuses what is not a broker, saying what would be", () => {
    expect(() => parseBroker("https://ha.lan")).toThrow(/scheme https: is not an MQTT one/);
    expect(() => parseBroker("mqtt://broker/topic")).toThrow(/has no path/);
    expect(() => parseBroker("broker:70000")).toThrow(/cannot be read/);
  });
});

describe("the embedded broker", () => {
  it("explains a port that is taken instead of crashing obscurely", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const error = await startEmbeddedBroker({ host: "127.0.0.1", port, log: captureLog().log }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toBe(
        `the embedded MQTT broker cannot listen on 127.0.0.1:${port}: EADDRINUSE`,
      );
      expect((error as UserError).hint).toContain(`homeassistant.broker: "127.0.0.1:${port}"`);
    } finally {
      taken.close();
    }
  });
});

describe("named commands", () => {
  const spec = (argv: string[], timeoutSeconds = 5) => ({ name: "job", label: "Job", argv, timeoutSeconds });

  it("passes argv to the program untouched: no shell ever reads it", async () => {
    const result = await runNamedCommand(spec(["printf", "%s|%s", "$(id -u); echo hacked", "*"]));
    expect(result).toEqual({ exit_code: 0, stdout: "$(id -u); echo hacked|*" });
  });

  it("stops a command that outlives its timeout", async () => {
    await expect(runNamedCommand(spec(["sleep", "10"], 0.3))).rejects.toThrow(
      "job: stopped after its 0.3 s timeout",
    );
  });

  it("reports a missing program and a failing one with its output", async () => {
    await expect(runNamedCommand(spec(["deskhub-no-such-program"]))).rejects.toThrow(
      /not installed or not on PATH/,
    );
    await expect(runNamedCommand(spec(["sh", "-c", "echo disk full >&2; exit 3"]))).rejects.toThrow(
      "job: sh exited with 3: disk full",
    );
  });

  it("accepts the short form and the long form in config", () => {
    const config = HomeAssistantConfig.parse({
      commands: {
        backup_home: ["restic", "backup", "/home"],
        lock: { argv: ["loginctl", "lock-session"], timeout: "5s" },
      },
    });
    expect(namedCommands(config)).toEqual([
      { name: "backup_home", argv: ["restic", "backup", "/home"], label: "Backup home", timeoutSeconds: 30 },
      { name: "lock", argv: ["loginctl", "lock-session"], label: "Lock", timeoutSeconds: 5 },
    ]);
    expect(HomeAssistantConfig.safeParse({ commands: { "rm -rf": ["rm"] } }).success).toBe(false);
    expect(HomeAssistantConfig.safeParse({ commands: { empty: [] } }).success).toBe(false);
  });
});

describe("hass call arguments", () => {
  it("reads key=value data as YAML values", () => {
    expect(
      parseData([
        "brightness=128",
        "rgb_color=[255,0,0]",
        "message=hi there",
        "flash=true",
        "title=",
        "on=on",
      ]),
    ).toEqual({
      brightness: 128,
      rgb_color: [255, 0, 0],
      message: "hi there",
      flash: true,
      title: "",
      on: "on",
    });
    expect(() => parseData(["=3"])).toThrow(/not key=value/);
  });

  it("builds a target from entity ids, areas and labels", () => {
    expect(parseTarget({ target: ["light.office,light.desk"], area: ["kitchen"] })).toEqual({
      entity_id: ["light.office", "light.desk"],
      area_id: "kitchen",
    });
    expect(parseTarget({})).toBeUndefined();
    expect(() => parseTarget({ target: ["office"] })).toThrow(/not an entity id/);
  });
});

describe("the homeassistant config", () => {
  it("refuses a misspelt key inside a nested block instead of dropping it", () => {
    for (const [section, key] of [
      ["embedded", "prot"],
      ["tls", "ca"],
      ["retry", "atempts"],
    ] as const) {
      const result = HomeAssistantConfig.safeParse({ [section]: { [key]: 1 } });
      expect(result.success, `${section}.${key}`).toBe(false);
      expect(result.error?.issues[0]).toMatchObject({
        code: "unrecognized_keys",
        keys: [key],
        path: [section],
      });
    }
  });
});

describe("rules in config", () => {
  it("reads the issue's rule and rejects a condition that tests nothing", () => {
    const config = HomeAssistantConfig.parse({
      rules: [
        {
          name: "office_lights_off",
          when: { entity: "presence.idle", is: "on", for: "10m" },
          unless: [{ entity: "presence.override", is: "on" }],
          call: { service: "light.turn_off", target: { entity_id: "light.office" } },
        },
      ],
    });
    expect(config.rules[0]?.when.for).toBe(600);
    const empty = HomeAssistantConfig.safeParse({
      rules: [{ name: "x", when: { entity: "presence.idle" }, call: { service: "light.turn_off" } }],
    });
    expect(empty.success).toBe(false);
    expect(JSON.stringify(empty.error?.issues)).toContain("`when` needs `is`, `not`, `above` or `below`");
    const badService = HomeAssistantConfig.safeParse({
      rules: [
        { name: "x", when: { entity: "presence.idle", is: "on" }, call: { service: "turn off lights" } },
      ],
    });
    expect(badService.success).toBe(false);
  });
});
