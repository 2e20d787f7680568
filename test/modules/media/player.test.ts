import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TICKS_PER_SECOND } from "../../fixtures/jellyfin/library.ts";
import { FakeJellyfin } from "../../fixtures/jellyfin/server.ts";
import { runCli, type Sandbox, spawnCli, waitFor } from "../../helpers/sandbox.ts";
import { makeClip, mediaSandbox, mpvArgs, shortFilm } from "./helpers.ts";

let fake: FakeJellyfin;
let key: string;
let clip: string;
const sandboxes: Sandbox[] = [];

function sandbox(speed: number, extraArgs: string[] = [], login = false): Sandbox {
  const made = mediaSandbox(
    { JELLYFIN_URL: fake.url, ...(login ? {} : { JELLYFIN_API_KEY: key }) },
    { mpv: { args: [...mpvArgs(speed), ...extraArgs] }, jellyfin: { progress_interval: 1 } },
  );
  sandboxes.push(made);
  return made;
}

const seconds = (ticks: unknown) => Number(ticks) / TICKS_PER_SECOND;
const reportsFor = (id: string) => fake.reports.filter((r) => r.body.ItemId === id);

beforeAll(async () => {
  clip = await makeClip();
  fake = new FakeJellyfin({ library: { movies: 200, series: 10 }, mediaFile: clip });
  key = fake.createApiKey();
  await fake.start();
});

afterAll(async () => {
  await fake.stop();
  for (const s of sandboxes) s.cleanup();
});

/** mpv's command line, read from /proc while it runs: what `ps` would show anyone on the machine. */
function childCommandLines(pid: number): string[] {
  const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return children.map((child) => readFileSync(`/proc/${child}/cmdline`, "utf8").replaceAll("\0", " "));
}

// Each test runs several CLI processes next to a real mpv; on two busy cores that can outlast the default.
describe("playing Jellyfin items in mpv", { timeout: 60_000 }, () => {
  it("starts at the resume position, reports progress, and marks the item watched at the end", async () => {
    const film = shortFilm(fake, "Played To The End");
    Object.assign(fake.userData("alice", film.Id), {
      PlaybackPositionTicks: 250 * TICKS_PER_SECOND,
      LastPlayedDate: new Date().toISOString(),
    });
    const box = sandbox(25);
    const child = spawnCli(["media", "jellyfin", "play", film.Id], box.env);
    const mpvCommandLine = await waitFor(
      () => childCommandLines(child.pid!).find((line) => line.includes("mpv")),
      {
        what: `mpv to start ${child.output()}`,
      },
    );
    const exit = await child.exited;
    expect(exit).toBe(0);
    expect(child.output()).toContain("Playing: Played To The End (2010) (from 250 s)");

    const reports = reportsFor(film.Id);
    const start = reports.find((r) => r.kind === "start")!;
    expect(seconds(start.body.PositionTicks)).toBeGreaterThanOrEqual(249);
    expect(seconds(start.body.PositionTicks)).toBeLessThan(265);
    expect(start.body).toMatchObject({ PlayMethod: "DirectPlay", MediaSourceId: film.Id, IsPaused: false });
    expect(start.body.PlaySessionId).toMatch(/^[0-9a-f]{32}$/);
    const progress = reports.filter((r) => r.kind === "progress").map((r) => seconds(r.body.PositionTicks));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const stopped = reports.find((r) => r.kind === "stopped")!;
    expect(seconds(stopped.body.PositionTicks)).toBeGreaterThan(320);
    expect(reports.at(-1)?.kind).toBe("stopped");
    expect(fake.userData("alice", film.Id)).toMatchObject({ Played: true, PlaybackPositionTicks: 0 });

    // The token went in a header; neither mpv's command line nor any URL carried it.
    const streams = fake.requests.filter((r) => r.path === `/Videos/${film.Id}/stream`);
    expect(streams.length).toBeGreaterThan(0);
    for (const request of streams) {
      expect(request.authorization).toBe(`MediaBrowser Token="${key}"`);
      expect(request.search).not.toContain(key);
    }
    expect(mpvCommandLine).toContain("--input-ipc-server=");
    expect(mpvCommandLine).not.toContain(key);

    const history = JSON.parse((await runCli(["media", "yt", "history", "--json"], box.env)).stdout) as Array<
      Record<string, unknown>
    >;
    expect(history[0]).toMatchObject({
      source: "jellyfin",
      itemId: film.Id,
      watched: true,
      endReason: "eof",
    });
    const resume = await runCli(["media", "jellyfin", "resume", "--cached"], box.env);
    expect(resume.stdout).not.toContain(film.Id);
  });

  it("does not count a dropped stream's end of file as watched, and keeps the resume point", async () => {
    const film = shortFilm(fake, "Dropped Halfway");
    fake.dropStreamAfter.set(film.Id, Math.round(statSync(clip).size * 0.4));
    // mpv retries a broken HTTP stream for up to 7 s by default; a second is enough here.
    const box = sandbox(30, ["--stream-lavf-o=reconnect_delay_max=1"]);
    const result = await runCli(["media", "jellyfin", "play", film.Id, "--start", "100"], box.env);
    expect(result.code).toBe(0);
    const stopped = reportsFor(film.Id).find((r) => r.kind === "stopped")!;
    const position = seconds(stopped.body.PositionTicks);
    expect(position).toBeGreaterThan(0.3 * 330);
    expect(position).toBeLessThan(0.6 * 330);
    const data = fake.userData("alice", film.Id);
    expect(data.Played).toBe(false);
    expect(seconds(data.PlaybackPositionTicks)).toBeCloseTo(position, 0);
    const history = JSON.parse((await runCli(["media", "yt", "history", "--json"], box.env)).stdout) as Array<
      Record<string, unknown>
    >;
    expect(history[0]).toMatchObject({ itemId: film.Id, watched: false, endReason: "eof" });
  });

  it("is controlled by other deskhub commands while it plays: status, pause, seek, stop", async () => {
    const film = shortFilm(fake, "Paused And Stopped");
    // Signed in as a user, the server itself keeps the resume point from the reports.
    const box = sandbox(1, [], true);
    expect(
      (
        await runCli(
          ["media", "jellyfin", "login", "--user", "alice", "--password-stdin"],
          box.env,
          "wonderland",
        )
      ).code,
    ).toBe(0);
    const child = spawnCli(["media", "jellyfin", "play", film.Id, "--from-start"], box.env);
    await waitFor(() => reportsFor(film.Id).some((r) => r.kind === "start"), {
      what: "playback start",
      timeout: 15_000,
    });

    const status = JSON.parse(
      (await runCli(["media", "player", "status", "--json"], box.env)).stdout,
    ) as Record<string, unknown>;
    expect(status).toMatchObject({
      playing: true,
      title: "Paused And Stopped (2010)",
      source: "jellyfin",
      id: film.Id,
      paused: false,
      duration: 330,
    });

    expect((await runCli(["media", "player", "pause"], box.env)).stdout.trim()).toBe("paused");
    await waitFor(
      () =>
        reportsFor(film.Id).some(
          (r) => r.kind === "progress" && r.body.IsPaused === true && r.body.EventName === "pause",
        ),
      {
        what: "a pause report",
      },
    );
    expect((await runCli(["media", "player", "seek", "150"], box.env)).code).toBe(0);
    await waitFor(
      async () => {
        const now = JSON.parse((await runCli(["media", "player", "status", "--json"], box.env)).stdout) as {
          position: number;
          paused: boolean;
        };
        return Math.abs(now.position - 150) < 1 && now.paused;
      },
      { what: "the seek", timeout: 10_000 },
    );
    expect((await runCli(["media", "player", "stop"], box.env)).code).toBe(0);
    expect(await child.exited).toBe(0);

    const stopped = reportsFor(film.Id).find((r) => r.kind === "stopped")!;
    expect(seconds(stopped.body.PositionTicks)).toBeCloseTo(150, 0);
    expect(fake.userData("alice", film.Id)).toMatchObject({ Played: false });
    expect(seconds(fake.userData("alice", film.Id).PlaybackPositionTicks)).toBeCloseTo(150, 0);
    const idle = await runCli(["media", "player", "status"], box.env);
    expect(idle.stdout.trim()).toBe("idle");
  });

  it("queues a second item into the running mpv and skips to it; with nothing queued, next says so", async () => {
    const first = shortFilm(fake, "Queue Opener");
    const second = shortFilm(fake, "Queue Follower");
    const box = sandbox(1);
    const owner = spawnCli(["media", "jellyfin", "play", first.Id, "--from-start"], box.env);
    await waitFor(() => reportsFor(first.Id).some((r) => r.kind === "start"), {
      what: `the first item to start ${owner.output()}`,
      timeout: 15_000,
    });

    // Another process queues into the same mpv; the owner reports for both.
    const queued = await runCli(["media", "jellyfin", "play", second.Id, "--queue"], box.env);
    expect(queued.code).toBe(0);
    expect(queued.stderr).toContain("Queued in the running mpv: Queue Follower (2010)");
    const status = JSON.parse((await runCli(["media", "player", "status", "--json"], box.env)).stdout) as {
      id: string;
      queued: number;
    };
    expect(status).toMatchObject({ id: first.Id, queued: 1 });

    expect((await runCli(["media", "player", "next"], box.env)).code).toBe(0);
    await waitFor(() => reportsFor(second.Id).some((r) => r.kind === "start"), {
      what: "the queued item to start",
      timeout: 15_000,
    });
    const firstStop = reportsFor(first.Id).find((r) => r.kind === "stopped")!;
    expect(seconds(firstStop.body.PositionTicks)).toBeLessThan(60);
    expect(fake.userData("alice", first.Id).Played).toBe(false);
    const secondStart = reportsFor(second.Id).find((r) => r.kind === "start")!;
    // Queued with its own play session and header: the server saw an authorised stream.
    expect(secondStart.body.PlaySessionId).toMatch(/^[0-9a-f]{32}$/);
    expect(
      fake.requests.filter((r) => r.path === `/Videos/${second.Id}/stream`).map((r) => r.authorization),
    ).toContain(`MediaBrowser Token="${key}"`);

    const last = await runCli(["media", "player", "next"], box.env);
    expect(last.code).toBe(69);
    expect(last.stderr).toContain("nothing is queued after this");
    const still = JSON.parse((await runCli(["media", "player", "status", "--json"], box.env)).stdout) as {
      playing: boolean;
      id: string;
    };
    expect(still).toMatchObject({ playing: true, id: second.Id });

    expect((await runCli(["media", "player", "stop"], box.env)).code).toBe(0);
    expect(await owner.exited).toBe(0);
    expect(reportsFor(second.Id).at(-1)?.kind).toBe("stopped");
    const history = JSON.parse((await runCli(["media", "yt", "history", "--json"], box.env)).stdout) as Array<
      Record<string, unknown>
    >;
    expect(history.slice(0, 2).map((row) => [row.itemId, row.endReason])).toEqual([
      [second.Id, "stop"],
      [first.Id, "stop"],
    ]);
  });

  it("keeps where playback stopped while the server was away, and tells it on the next connection", async () => {
    const film = shortFilm(fake, "Stopped While Away");
    const box = sandbox(1);
    const owner = spawnCli(["media", "jellyfin", "play", film.Id, "--start", "100"], box.env);
    await waitFor(() => reportsFor(film.Id).some((r) => r.kind === "start"), {
      what: `playback start ${owner.output()}`,
      timeout: 15_000,
    });
    // A second of playback: the small clip is in mpv's cache by then and plays on without the server.
    await waitFor(
      async () =>
        (
          JSON.parse((await runCli(["media", "player", "status", "--json"], box.env)).stdout) as {
            position: number;
          }
        ).position >= 101,
      { what: "a second of playback" },
    );
    const port = Number(new URL(fake.url).port);
    await fake.stop();
    try {
      expect((await runCli(["media", "player", "stop"], box.env)).code).toBe(0);
      expect(await owner.exited).toBe(0);
    } finally {
      await fake.start(port);
    }
    expect(reportsFor(film.Id).some((r) => r.kind === "stopped")).toBe(false);
    expect(fake.userData("alice", film.Id).PlaybackPositionTicks).toBe(0);
    const waiting = JSON.parse((await runCli(["media", "status", "--json"], box.env)).stdout) as {
      jellyfin: { waiting_for_server: number };
    };
    expect(waiting.jellyfin.waiting_for_server).toBe(1);

    // The next command that reaches the server brings it up to date first.
    const resume = await runCli(["media", "jellyfin", "resume"], box.env);
    expect(resume.stdout).toContain(`${film.Id}  Stopped While Away (2010)  [▶ 1:4`);
    const data = fake.userData("alice", film.Id);
    expect(seconds(data.PlaybackPositionTicks)).toBeGreaterThanOrEqual(101);
    expect(seconds(data.PlaybackPositionTicks)).toBeLessThan(120);
    expect(data.Played).toBe(false);
    const after = JSON.parse((await runCli(["media", "status", "--json"], box.env)).stdout) as {
      jellyfin: { waiting_for_server: number };
    };
    expect(after.jellyfin.waiting_for_server).toBe(0);
  });

  it("refuses a player command with a bad number, naming it", async () => {
    const box = sandbox(1);
    const result = await runCli(["media", "player", "seek", "ten"], box.env);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('"ten" is not a number of seconds');
  });

  it("says clearly when mpv cannot open the stream", async () => {
    const film = shortFilm(fake, "Gone From Disk");
    const box = sandbox(30);
    // The server cuts the stream before the first byte, as a file gone from its disk would.
    fake.dropStreamAfter.set(film.Id, 0);
    const result = await runCli(["media", "jellyfin", "play", film.Id], box.env);
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(/mpv could not play "Gone From Disk \(2010\)"/);
  });
});
