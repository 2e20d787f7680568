import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DaemonHandle, startDaemon } from "../../../src/app/daemon/daemon.ts";
import { clearSecrets } from "../../../src/core/redact.ts";
import media from "../../../src/modules/media/index.ts";
import { FakeJellyfin } from "../../fixtures/jellyfin/server.ts";
import { freePort, runCli, type Sandbox, waitFor } from "../../helpers/sandbox.ts";
import { makeClip, mediaSandbox, mpvArgs, shortFilm } from "./helpers.ts";

/**
 * The module in the real daemon (in this process, so the test reads its store): the CLI
 * hands `play` to the daemon's player, and the player's state and controls are entities
 * and commands, which is all Home Assistant and the dashboard see.
 */
let fake: FakeJellyfin;
let sandbox: Sandbox;
let daemon: DaemonHandle;

beforeAll(async () => {
  fake = new FakeJellyfin({ library: { movies: 150, series: 8 }, mediaFile: await makeClip() });
  const key = fake.createApiKey();
  await fake.start();
  sandbox = mediaSandbox({ JELLYFIN_URL: fake.url, JELLYFIN_API_KEY: key });
  writeFileSync(
    join(sandbox.configDir, "config.yaml"),
    JSON.stringify({
      dashboard: { port: await freePort() },
      media: { mpv: { args: mpvArgs(1) }, jellyfin: { progress_interval: 1 } },
    }),
  );
  daemon = await startDaemon({ env: sandbox.env, modules: [media] });
});

afterAll(async () => {
  await daemon?.stop();
  await fake.stop();
  sandbox.cleanup();
  clearSecrets();
});

describe("media in the daemon", () => {
  it("refreshes the library in the background and says when", async () => {
    const store = daemon.runtime.store;
    await waitFor(() => store.value("media.library_items"), { what: "the first refresh", timeout: 15_000 });
    expect(store.value("media.library_items")).toBe(
      fake.items().filter((i) => i.Type !== "CollectionFolder").length,
    );
    expect(Date.parse(String(store.value("media.library_refreshed")))).toBeGreaterThan(Date.now() - 60_000);
  });

  it("plays what the CLI asks for in its own player, and shows it as entities", async () => {
    const store = daemon.runtime.store;
    const film = shortFilm(fake, "Daemon Feature");
    const result = await runCli(["media", "jellyfin", "play", film.Id], sandbox.env);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stderr).toContain("Playing in the daemon's player: Daemon Feature (2010)");
    await waitFor(() => store.value("media.now_playing") === "Daemon Feature (2010)", {
      what: "now playing",
    });
    expect(store.get("media.now_playing")?.state?.attributes).toMatchObject({
      source: "jellyfin",
      id: film.Id,
      duration: 330,
    });
    await waitFor(() => Number(store.value("media.position")) >= 1, { what: "the position to move" });

    // Home Assistant flips the switch: the player pauses and Jellyfin is told.
    await store.run("media.pause", { value: "ON" }, "homeassistant");
    await waitFor(() => store.value("media.paused") === true, { what: "paused" });
    await waitFor(() => fake.reports.some((r) => r.body.ItemId === film.Id && r.body.IsPaused === true), {
      what: "a pause report",
    });
    await store.run("media.seek", { seconds: 120 }, "dashboard");
    await waitFor(() => Math.abs(Number(store.value("media.position")) - 120) <= 1, {
      what: "the seek",
      timeout: 8000,
    });

    await store.run("media.stop", {}, "homeassistant");
    await waitFor(() => store.value("media.now_playing") === null, { what: "idle" });
    const stopped = await waitFor(
      () => fake.reports.find((r) => r.body.ItemId === film.Id && r.kind === "stopped"),
      {
        what: "the stop report",
      },
    );
    await waitFor(() => fake.userData("alice", film.Id).PlaybackPositionTicks > 0, {
      what: "the resume point",
    });
    expect(Number(stopped.body.PositionTicks) / 1e7).toBeCloseTo(120, 0);
    expect(fake.userData("alice", film.Id).PlaybackPositionTicks / 1e7).toBeCloseTo(120, 0);
  });

  it("refuses a bad play request with a message naming the field", async () => {
    const error = await daemon.runtime.store
      .run("media.play", { source: "vhs", id: "x" }, "dashboard")
      .catch((e: Error) => e);
    expect((error as Error).message).toMatch(/bad arguments for media\.play: source/);
  });
});
