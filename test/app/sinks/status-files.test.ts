import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startStatusFiles } from "../../../src/app/sinks/status-files.ts";
import { StatusFilesSection } from "../../../src/core/config/schema.ts";
import { silentLogger } from "../../../src/core/log.ts";
import { resolvePaths } from "../../../src/core/paths.ts";
import { Store } from "../../../src/core/store.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("status files", () => {
  it("keeps the old /tmp/mqtt names with the mqtt preset and writes only those", async () => {
    dir = mkdtempSync(join(tmpdir(), "deskhub-status-"));
    const store = new Store();
    store.define({ id: "presence.in_office", kind: "binary_sensor", name: "In office" });
    store.define({
      id: "presence.override",
      kind: "select",
      name: "Override",
      options: ["auto", "on", "off"],
    });
    store.define({ id: "voice.status", kind: "sensor", name: "Voice" });
    store.set("presence.in_office", true);
    const config = StatusFilesSection.parse({ preset: "mqtt", dir });
    const stop = startStatusFiles(store, config, resolvePaths({ HOME: dir }), silentLogger());
    store.set("presence.override", "off");
    store.set("voice.status", "recording");
    store.set("presence.in_office", false);
    await stop();
    expect(readdirSync(dir).sort()).toEqual(["in_office_status", "manual_override_status"]);
    expect(readFileSync(join(dir, "in_office_status"), "utf8")).toBe("off\n");
    expect(readFileSync(join(dir, "manual_override_status"), "utf8")).toBe("off\n");
  });

  it("names files by entity id by default, with renames from config", async () => {
    dir = mkdtempSync(join(tmpdir(), "deskhub-status-"));
    const store = new Store();
    store.define({ id: "voice.status", kind: "sensor", name: "Voice" });
    store.define({ id: "iptv.streams", kind: "sensor", name: "Streams" });
    const config = StatusFilesSection.parse({ dir, names: { "voice.status": "ptt_status" } });
    const stop = startStatusFiles(store, config, resolvePaths({ HOME: dir }), silentLogger());
    store.set("voice.status", "speaking");
    store.set("iptv.streams", 3);
    await stop();
    expect(readFileSync(join(dir, "ptt_status"), "utf8")).toBe("speaking\n");
    expect(readFileSync(join(dir, "iptv.streams"), "utf8")).toBe("3\n");
    expect(readdirSync(dir).some((f) => f.endsWith(".tmp"))).toBe(false);
  });
});
