import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Store } from "../../src/core/store.ts";

describe("the store", () => {
  it("tells sinks about changes only, with the previous state", () => {
    let now = 1_000;
    const store = new Store({ now: () => now });
    store.define({ id: "presence.idle", kind: "binary_sensor", name: "Idle" });
    const seen: Array<[unknown, unknown]> = [];
    store.bus.on("entity:state", ({ entity, previous }) => seen.push([previous?.value, entity.state?.value]));
    store.set("presence.idle", false);
    now = 2_000;
    store.set("presence.idle", false);
    store.set("presence.idle", true);
    store.set("presence.idle", true, { since: 5 });
    expect(seen).toEqual([
      [undefined, false],
      [false, true],
      [true, true],
    ]);
    expect(store.get("presence.idle")?.state).toEqual({
      value: true,
      attributes: { since: 5 },
      changedAt: 2_000,
    });
  });

  it("refuses ids that would break topics and unique ids, and values for undefined entities", () => {
    const store = new Store();
    expect(() => store.define({ id: "Idle", kind: "sensor", name: "x" })).toThrow(/module\.name/);
    expect(() => store.define({ id: "a.b", kind: "select", name: "x" })).toThrow(/needs options/);
    expect(() => store.set("a.missing", 1)).toThrow(/not defined/);
  });

  it("parses untrusted command arguments before the handler sees them", async () => {
    const store = new Store();
    const calls: unknown[] = [];
    store.command({
      id: "desktop.notify",
      summary: "notify",
      args: z.object({ text: z.string().min(1) }),
      handler: (args, meta) => calls.push([args, meta.source]),
    });
    await store.run("desktop.notify", { text: "hi" }, "homeassistant");
    await expect(store.run("desktop.notify", { text: 5 }, "cli")).rejects.toThrow(
      /bad arguments for desktop.notify: text/,
    );
    await expect(store.run("desktop.nope", {}, "cli")).rejects.toMatchObject({
      message: 'no command "desktop.nope"',
      hint: "known commands: desktop.notify",
    });
    expect(calls).toEqual([[{ text: "hi" }, "homeassistant"]]);
  });

  it("keeps one throwing listener from silencing the others", () => {
    const errors: unknown[] = [];
    const store = new Store({ onListenerError: (e) => errors.push(e) });
    store.define({ id: "a.b", kind: "sensor", name: "x" });
    let heard = false;
    store.bus.on("entity:state", () => {
      throw new Error("sink broke");
    });
    store.bus.on("entity:state", () => {
      heard = true;
    });
    store.set("a.b", 1);
    expect(heard).toBe(true);
    expect(errors).toHaveLength(1);
  });
});
