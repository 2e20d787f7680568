import { execFile } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { openDatabase } from "../../../src/core/db.ts";
import type { ModuleContext } from "../../../src/core/module.ts";
import { resolvePaths } from "../../../src/core/paths.ts";
import { Secrets } from "../../../src/core/secrets/secrets.ts";
import { Store } from "../../../src/core/store.ts";
import { MediaConfig } from "../../../src/modules/media/config.ts";
import { jellyfinId, type LibraryItem, TICKS_PER_SECOND } from "../../fixtures/jellyfin/library.ts";
import type { FakeJellyfin } from "../../fixtures/jellyfin/server.ts";
import { makeSandbox, repoRoot, type Sandbox } from "../../helpers/sandbox.ts";

const run = promisify(execFile);

/** The clip every test plays: 330 s (longer than Jellyfin's 300 s minimum for resume points), tiny, video only. */
export const CLIP_SECONDS = 330;

/** Made once per machine with ffmpeg and reused; a real MPEG-TS file mpv seeks in by byte ranges. */
export async function makeClip(): Promise<string> {
  const path = join(tmpdir(), "deskhub-media-test-clip-v1.ts");
  if (existsSync(path)) return path;
  const partial = `${path}.${process.pid}.part`;
  await run("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `testsrc=size=160x90:rate=5:duration=${CLIP_SECONDS}`,
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-g",
    "10",
    "-f",
    "mpegts",
    partial,
  ]);
  renameSync(partial, path);
  return path;
}

/** A movie as a library scan would add it, whose runtime is the clip's. */
export function shortFilm(fake: FakeJellyfin, name = "Sintel's Short Walk"): LibraryItem {
  const template = fake.find((i) => i.Type === "Movie");
  const path = `/media/movies/${name} (2010)/${name} (2010).mkv`;
  const item: LibraryItem = {
    ...template,
    Id: jellyfinId("Movie", path),
    Name: name,
    SortName: name.toLowerCase(),
    Path: path,
    ProductionYear: 2010,
    RunTimeTicks: CLIP_SECONDS * TICKS_PER_SECOND,
  };
  fake.upsert(item);
  return item;
}

export const fakeYtdlpDir = join(repoRoot, "test/fixtures/yt-dlp");

/** A sandbox whose PATH has the fake yt-dlp first and the Node running the tests (the fake runs on it). */
export function mediaSandbox(env: NodeJS.ProcessEnv = {}, config: Record<string, unknown> = {}): Sandbox {
  const sandbox = makeSandbox({
    PATH: [fakeYtdlpDir, dirname(process.execPath), process.env.PATH].join(delimiter),
    ...env,
  });
  writeConfig(sandbox, config);
  return sandbox;
}

export function writeConfig(sandbox: Sandbox, media: Record<string, unknown>): void {
  mkdirSync(sandbox.configDir, { recursive: true });
  writeFileSync(join(sandbox.configDir, "config.yaml"), `${JSON.stringify({ media })}\n`);
}

/** mpv as tests run it: no window, no sound, none of the user's config, fast. */
export function mpvArgs(speed: number): string[] {
  return ["--no-config", "--vo=null", "--ao=null", `--speed=${speed}`];
}

/** A static file server with byte ranges, standing in for a CDN (YouTube's googlevideo). */
export async function fileServer(file: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const size = statSync(file).size;
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    const start = match ? Number(match[1]) : 0;
    const end = match?.[2] ? Number(match[2]) : size - 1;
    res.writeHead(match ? 206 : 200, {
      "content-type": "video/mp2t",
      "accept-ranges": "bytes",
      "content-length": end - start + 1,
      ...(match ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/videoplayback.ts`, server };
}

/** A module context on a sandbox, for tests that drive the module's classes directly. */
export async function moduleContext(sandbox: Sandbox, store = new Store()): Promise<ModuleContext> {
  const env = sandbox.env;
  const paths = resolvePaths(env);
  const secrets = new Secrets({ env, paths });
  secrets.declare({ name: "jellyfin_api_key", description: "", env: ["JELLYFIN_API_KEY"] });
  secrets.declare({ name: "jellyfin_password", description: "", env: ["JELLYFIN_PASSWORD"] });
  const databases = new Map<string, ReturnType<typeof openDatabase>>();
  return {
    module: "media",
    paths,
    env,
    nodeId: "testhost",
    hostname: "testhost",
    config: {},
    log: pino({ level: "silent" }),
    store,
    secrets,
    openDb(file, migrations = []) {
      const path = join(paths.dataDir, file);
      let db = databases.get(path);
      if (!db) {
        db = openDatabase(path, migrations);
        databases.set(path, db);
      }
      return db;
    },
  };
}

export function mediaConfig(input: Record<string, unknown>): MediaConfig {
  return MediaConfig.parse(input);
}
