import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ExitCode, UserError } from "../../../src/core/errors.ts";
import { HassLink, type LinkState } from "../../../src/modules/homeassistant/hass/link.ts";
import { HassRest } from "../../../src/modules/homeassistant/hass/rest.ts";
import {
  type FakeHomeAssistant,
  startFakeHomeAssistant,
} from "../../fixtures/homeassistant/fake-home-assistant.ts";
import { freePort, waitFor } from "../../helpers/sandbox.ts";
import { captureLog } from "./support.ts";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.fake-long-lived-token.x9";
let hass: FakeHomeAssistant;
const links: HassLink[] = [];

beforeAll(async () => {
  hass = await startFakeHomeAssistant({ token: TOKEN });
});
afterEach(async () => {
  for (const link of links.splice(0)) await link.stop();
  hass.calls.length = 0;
});
afterAll(async () => {
  await hass.stop();
});

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe("Home Assistant REST client", () => {
  it("reads all states and one state", async () => {
    const rest = new HassRest({ server: `${hass.url}/`, token: TOKEN });
    const states = await rest.states();
    expect(states.map((s) => s.entity_id)).toContain("light.office");
    const office = await rest.state("light.office");
    expect(office).toMatchObject({ entity_id: "light.office", state: "on", attributes: { brightness: 180 } });
    // Fields deskhub does not model pass through untouched.
    expect((office as Record<string, unknown>).context).toMatchObject({ id: expect.any(String) });
  });

  it("calls a service with a target and data, and returns what changed", async () => {
    const rest = new HassRest({ server: `${hass.url}/api`, token: TOKEN });
    const result = await rest.callService("light.turn_on", {
      target: { entity_id: "light.office_desk" },
      data: { brightness_pct: 40 },
    });
    expect(result.changed).toEqual([
      expect.objectContaining({
        entity_id: "light.office_desk",
        state: "on",
        attributes: expect.objectContaining({ brightness: 102 }),
      }),
    ]);
    expect(hass.calls).toEqual([
      {
        via: "rest",
        domain: "light",
        service: "turn_on",
        data: { brightness_pct: 40 },
        target: { entity_id: "light.office_desk" },
      },
    ]);
    await rest.callService("light.turn_off", { target: { area_id: "office" } });
    expect(hass.state("light.office")?.state).toBe("off");
    expect(hass.state("light.office_desk")?.state).toBe("off");
  });

  it("turns each failure into an error that says what to fix", async () => {
    const rest = new HassRest({ server: hass.url, token: TOKEN });
    const missing = await rejection(rest.state("light.attic"));
    expect([missing.message, missing.code]).toEqual([
      "Home Assistant has no entity light.attic",
      ExitCode.dataErr,
    ]);
    const unknown = await rejection(
      rest.callService("light.turn_of", { target: { entity_id: "light.office" } }),
    );
    expect(unknown.message).toMatch(/rejected light\.turn_of/);
    expect(unknown.hint).toMatch(/deskhub hass services/);
    const badData = await rejection(rest.callService("light.turn_off", { data: { brightness: 3 } }));
    expect(badData.code).toBe(ExitCode.dataErr);

    const wrongToken = await rejection(new HassRest({ server: hass.url, token: "nope" }).states());
    expect(wrongToken.code).toBe(ExitCode.noPerm);
    expect(wrongToken.hint).toMatch(/long-lived access token/);

    const nobody = await rejection(
      new HassRest({ server: `http://127.0.0.1:${await freePort()}`, token: TOKEN }).states(),
    );
    expect(nobody.code).toBe(ExitCode.unavailable);
    expect(nobody.message).toMatch(/cannot reach Home Assistant .*ECONNREFUSED/);
  });
});

describe("Home Assistant WebSocket link (home-assistant-js-websocket)", () => {
  function link(token = TOKEN) {
    const states: Array<[LinkState, string | undefined]> = [];
    const created = new HassLink({
      server: hass.url,
      token,
      log: captureLog().log,
      onState: (s, d) => states.push([s, d]),
    });
    links.push(created);
    return { link: created, states };
  }

  it("authenticates, loads the states and follows state_changed events", async () => {
    const { link: ha, states } = link();
    const changes: Array<[string, string | undefined, string | undefined]> = [];
    ha.onChange((id, value, previous) => changes.push([id, value, previous]));
    ha.start();
    await waitFor(() => ha.value("sun.sun") === "above_horizon", { what: "the states" });
    expect(states.map(([s]) => s)).toContain("connected");
    hass.setState("binary_sensor.front_door", "on");
    await waitFor(() => ha.value("binary_sensor.front_door") === "on", { what: "the event" });
    expect(changes).toContainEqual(["binary_sensor.front_door", "on", "off"]);
  });

  it("calls services with a target over the socket", async () => {
    const { link: ha } = link();
    ha.start();
    await waitFor(() => ha.connected && ha.value("switch.office_fan") !== undefined);
    const result = await ha.callService({
      service: "switch.turn_on",
      target: { entity_id: "switch.office_fan" },
    });
    expect(result).toMatchObject({ context: { id: expect.stringMatching(/^[0-9A-Z]{26}$/) } });
    expect(hass.calls).toEqual([
      {
        via: "websocket",
        domain: "switch",
        service: "turn_on",
        data: {},
        target: { entity_id: "switch.office_fan" },
      },
    ]);
    await waitFor(() => ha.value("switch.office_fan") === "on", { what: "the state to follow" });
    await expect(
      ha.callService({ service: "light.explode", target: { entity_id: "light.office" } }),
    ).rejects.toMatchObject({
      code: "not_found",
      message: "Service light.explode not found.",
    });
  });

  it("reports a refused token and does not retry it", async () => {
    const { link: ha, states } = link("wrong-token");
    ha.start();
    await waitFor(() => states.some(([s]) => s === "auth_invalid"), { what: "auth_invalid" });
    expect(ha.connected).toBe(false);
    expect(hass.clients()).toBe(0);
  });

  it("reconnects and reloads the states after Home Assistant restarts", async () => {
    const { link: ha, states } = link();
    ha.start();
    await waitFor(() => ha.connected);
    await hass.stop();
    await waitFor(() => states.some(([s]) => s === "disconnected"), { what: "the disconnect" });
    hass.setState("input_boolean.guest_mode", "on");
    await hass.start();
    await waitFor(() => ha.connected && ha.value("input_boolean.guest_mode") === "on", {
      timeout: 15_000,
      what: "the reconnect",
    });
    hass.setState("input_boolean.guest_mode", "off");
    await waitFor(() => ha.value("input_boolean.guest_mode") === "off", {
      what: "events after the reconnect",
    });
  });
});
