import { describe, expect, it } from "vitest";
import { PresenceConfig } from "../../../src/modules/presence/config.ts";
import { evaluate } from "../../../src/modules/presence/rule.ts";

describe("the in-office rule", () => {
  const officeDesk = { all: ["network", "monitor"] as const, any: ["active", "webcam"] as const };

  it("is on at the office desk while someone is active", () => {
    const v = evaluate(officeDesk, { network: true, monitor: true, active: true, webcam: false }, "auto");
    expect(v).toMatchObject({ inOffice: true, auto: true, reason: "network, monitor, active hold" });
  });

  it("stays on through a video call without keyboard input", () => {
    expect(
      evaluate(officeDesk, { network: true, monitor: true, active: false, webcam: true }, "auto").inOffice,
    ).toBe(true);
  });

  it("is off when idle with the camera off", () => {
    const v = evaluate(officeDesk, { network: true, monitor: true, active: false, webcam: false }, "auto");
    expect(v).toMatchObject({ inOffice: false, reason: "none of active, webcam holds" });
  });

  it("is off away from the office network, however active", () => {
    const v = evaluate(officeDesk, { network: false, monitor: true, active: true }, "auto");
    expect(v).toMatchObject({ inOffice: false, reason: "network does not hold" });
  });

  it("counts a signal this desktop cannot read as not holding", () => {
    const v = evaluate(officeDesk, { network: true, monitor: undefined, active: true }, "auto");
    expect(v).toMatchObject({ inOffice: false, reason: "monitor does not hold" });
  });

  it("with only `all`, needs nothing else", () => {
    expect(evaluate({ all: ["unlocked"], any: [] }, { unlocked: true }, "auto").inOffice).toBe(true);
    expect(evaluate({ all: ["unlocked"], any: [] }, { unlocked: false }, "auto").inOffice).toBe(false);
  });

  it("obeys the override either way, and says what the rule would have said", () => {
    const away = { network: false, monitor: false, active: false };
    expect(evaluate(officeDesk, away, "on")).toMatchObject({
      inOffice: true,
      auto: false,
      override: "on",
      reason: "override on (the rule says off: network, monitor do not hold)",
    });
    const present = { network: true, monitor: true, active: true };
    expect(evaluate(officeDesk, present, "off")).toMatchObject({
      inOffice: false,
      auto: true,
      override: "off",
    });
    expect(evaluate(officeDesk, present, "auto")).toMatchObject({ inOffice: true, override: "auto" });
  });
});

describe("the in-office config", () => {
  const parse = (in_office: unknown) => PresenceConfig.safeParse({ in_office });

  it("defaults to: someone active or on camera", () => {
    const config = PresenceConfig.parse({});
    expect(config.in_office).toMatchObject({ all: [], any: ["active", "webcam"], gateways: [], ssids: [] });
    expect(config.idle).toEqual({ backend: "auto", threshold: 300, poll_interval: 2 });
  });

  it("refuses a network signal with no network to recognise, and says what to add", () => {
    const result = parse({ all: ["network"] });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({ path: ["in_office", "gateways"] });
    expect(result.error!.issues[0]!.message).toContain("`gateways` (router IP or MAC) or `ssids`");
    expect(parse({ all: ["network"], ssids: ["Office"] }).success).toBe(true);
  });

  it("refuses a monitor signal with no monitors, an empty rule, and unknown signals", () => {
    expect(parse({ any: ["monitor"] }).error!.issues[0]!.message).toContain("`monitors`");
    expect(parse({ any: [] }).error!.issues[0]!.message).toContain("at least one signal");
    expect(parse({ any: ["present"] }).success).toBe(false);
  });

  it("reads durations the way the rest of the config does", () => {
    const config = PresenceConfig.parse({ idle: { threshold: "10m" }, webcam: { debounce: "500ms" } });
    expect(config.idle.threshold).toBe(600);
    expect(config.webcam.debounce).toBe(0.5);
  });
});
