import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MpvEvent } from "../../../src/desktop/mpv/ipc.ts";
import { joinMpv, type RunningMpv, startMpv } from "../../../src/desktop/mpv/launch.ts";
import { encodeFileOptions, loadfileCommand, parseMpvVersion } from "../../../src/desktop/mpv/loadfile.ts";
import { youtubeId } from "../../../src/modules/media/player/identity.ts";
import { Player } from "../../../src/modules/media/player/player.ts";
import { makeClip, mpvArgs } from "./helpers.ts";

describe("loadfile across mpv versions", () => {
  it("reads the versions mpv reports", () => {
    expect(parseMpvVersion("mpv 0.35.1")).toEqual([0, 35, 1]);
    expect(parseMpvVersion("mpv v0.38.0")).toEqual([0, 38, 0]);
    expect(parseMpvVersion("mpv v0.39.0-120-gabc1234")).toEqual([0, 39, 0]);
    expect(parseMpvVersion("mpv git-2024")).toBeUndefined();
  });

  it("puts the index before the options from 0.38 on, and leaves it out before", () => {
    const options = { start: "12.000" };
    expect(loadfileCommand([0, 35, 1], "u", "replace", options)).toEqual([
      "loadfile",
      "u",
      "replace",
      "start=%6%12.000",
    ]);
    expect(loadfileCommand([0, 38, 0], "u", "append-play", options)).toEqual([
      "loadfile",
      "u",
      "append-play",
      -1,
      "start=%6%12.000",
    ]);
    expect(loadfileCommand([0, 35, 1], "u", "replace")).toEqual(["loadfile", "u", "replace"]);
  });

  it("quotes option values by byte length, so commas and quotes pass untouched", () => {
    expect(encodeFileOptions({ "force-media-title": 'Läuft, "gut"', ytdl: "no" })).toBe(
      'force-media-title=%13%Läuft, "gut",ytdl=%2%no',
    );
  });

  it("recognises YouTube links in their usual shapes", () => {
    for (const link of [
      "dQw4w9WgXcQ",
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10",
      "https://youtu.be/dQw4w9WgXcQ",
      "https://m.youtube.com/shorts/dQw4w9WgXcQ",
    ]) {
      expect(youtubeId(link)).toBe("dQw4w9WgXcQ");
    }
    expect(youtubeId("https://vimeo.com/123")).toBeUndefined();
  });
});

describe("the JSON IPC with a real mpv", () => {
  let dir: string;
  let clip: string;
  let mpv: RunningMpv;

  beforeAll(async () => {
    clip = await makeClip();
    dir = mkdtempSync(join(tmpdir(), "deskhub-mpv-"));
    mpv = await startMpv({ path: "mpv", socket: join(dir, "mpv.sock"), args: mpvArgs(20), env: process.env });
  });

  afterAll(async () => {
    if (mpv.ipc.isOpen) await mpv.ipc.command("quit").catch(() => {});
    mpv.child?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("detects the installed mpv's version (Debian 12's is 0.35)", () => {
    expect(mpv.version?.[0]).toBe(0);
    expect(mpv.version?.[1]).toBeGreaterThanOrEqual(33);
  });

  it("matches replies to requests by id when they overlap", async () => {
    const [pid, idle, version] = await Promise.all([
      mpv.ipc.get("pid"),
      mpv.ipc.get("idle-active"),
      mpv.ipc.get("mpv-version"),
    ]);
    expect(pid).toBe(mpv.child?.pid);
    expect(idle).toBe(true);
    expect(String(version)).toMatch(/^mpv /);
    await expect(mpv.ipc.get("no-such-property")).rejects.toThrow(/property not found/);
  });

  it("lets a second client join the same mpv", async () => {
    const second = await joinMpv(join(dir, "mpv.sock"));
    expect(second?.child).toBeUndefined();
    expect(await second?.ipc.get("pid")).toBe(mpv.child?.pid);
    second?.ipc.close();
  });

  it("loads with per-file options, observes properties and reports the end-file reason", async () => {
    const events: MpvEvent[] = [];
    mpv.ipc.onEvent((event) => events.push(event));
    const positions: number[] = [];
    await mpv.ipc.observe("time-pos", (value) => {
      if (typeof value === "number") positions.push(value);
    });
    const reply = await mpv.ipc.command<{ playlist_entry_id: number }>(
      ...loadfileCommand(mpv.version, clip, "replace", {
        start: 320,
        "force-media-title": "Clip, with a comma",
      }),
    );
    const end = await new Promise<MpvEvent>((resolve) =>
      mpv.ipc.onEvent((event) => {
        if (event.event === "end-file") resolve(event);
      }),
    );
    expect(end).toMatchObject({ reason: "eof", playlist_entry_id: reply.playlist_entry_id });
    expect(positions[0]).toBeGreaterThanOrEqual(319);
    expect(positions.at(-1)).toBeGreaterThan(329);
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(["start-file", "file-loaded", "playback-restart", "end-file"]),
    );
  });
});

/**
 * An mpv of any version, as far as its JSON IPC goes: it answers `mpv-version` and keeps
 * the commands it is sent. Only 0.35 is installed here; this is how the player is seen
 * to speak the 0.38+ `loadfile` too.
 */
async function ipcOnlyMpv(
  socket: string,
  version: string,
): Promise<{ server: Server; commands: unknown[][] }> {
  const commands: unknown[][] = [];
  const server = createServer((connection) => {
    let buffer = "";
    connection.on("data", (chunk) => {
      buffer += chunk.toString();
      for (let newline = buffer.indexOf("\n"); newline >= 0; newline = buffer.indexOf("\n")) {
        const { command, request_id } = JSON.parse(buffer.slice(0, newline)) as {
          command: unknown[];
          request_id: number;
        };
        buffer = buffer.slice(newline + 1);
        commands.push(command);
        const property = command[0] === "get_property" ? command[1] : undefined;
        const data =
          property === "mpv-version"
            ? version
            : property === "pid"
              ? 4242
              : command[0] === "loadfile"
                ? { playlist_entry_id: 7 }
                : null;
        connection.write(`${JSON.stringify({ request_id, error: "success", data })}\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { server, commands };
}

describe("the player's loadfile for the mpv it finds", () => {
  for (const [version, expected] of [
    ["mpv v0.38.0", ["loadfile", "http://jf/Videos/1/stream", "append-play", -1]],
    ["mpv 0.35.1", ["loadfile", "http://jf/Videos/1/stream", "append-play"]],
  ] as const) {
    it(`sends ${version}'s argument order, the header as a per-file option`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "deskhub-mpv-"));
      const socket = join(dir, "mpv.sock");
      const mpv = await ipcOnlyMpv(socket, version);
      const player = new Player({
        mpv: { path: "mpv", socket, args: [], env: process.env },
        log: pino({ level: "silent" }),
        progressInterval: 5,
        watchedAt: 0.9,
        reporterFor: () => ({ start: async () => {}, progress: async () => {}, stop: async () => {} }),
      });
      try {
        const role = await player.load({
          url: "http://jf/Videos/1/stream",
          title: "A, title",
          mode: "append-play",
          options: { "http-header-fields": 'Authorization: MediaBrowser Token="secret"', start: "12.000" },
        });
        expect(role).toBe("client");
        const load = mpv.commands.find((command) => command[0] === "loadfile")!;
        expect(load.slice(0, expected.length)).toEqual(expected);
        expect(load).toHaveLength(expected.length + 1);
        expect(load.at(-1)).toBe(
          'force-media-title=%8%A, title,http-header-fields=%42%Authorization: MediaBrowser Token="secret",start=%6%12.000',
        );
      } finally {
        await player.close();
        mpv.server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
