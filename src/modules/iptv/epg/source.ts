import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { Logger } from "../../../core/log.ts";
import { type LiveSource, openLiveSource } from "../streams/live-source.ts";
import { fromNetworkError, UpstreamError } from "../upstream/errors.ts";
import type { UpstreamLine } from "../upstream/line.ts";

const READ_SIZE = 64 * 1024;

export interface XmltvSourceOptions {
  /** Where the provider's guide is kept, as it came (gzipped or not). */
  file: string;
  line: () => UpstreamLine;
  timeoutMs: () => number;
  ttlMs: () => number;
  log: Logger;
}

/**
 * Writes a body to a new file, one write at a time, the body paused while one is on
 * disk. The guide is read as live channels are, into pooled buffers: Node's client
 * allocates a buffer per read, and a gigabyte of those left tens of MB of garbage
 * (and a malloc heap that stays that size) before V8 next collected.
 */
async function save(source: LiveSource, path: string): Promise<void> {
  const handle = await open(path, "w", 0o600);
  try {
    await new Promise<void>((resolve, reject) => {
      let position = 0;
      let written = Promise.resolve();
      let failed = false;
      // A write that fails is the disk's fault (it keeps its own message); a read, the provider's.
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        source.destroy();
        reject(error);
      };
      source.start({
        data: (slice, lease) => {
          lease.retain();
          source.pause();
          const at = position;
          position += slice.length;
          written = written
            .then(async () => {
              if (failed) return;
              await handle.write(slice, 0, slice.length, at);
              source.resume();
            })
            .catch(fail)
            .finally(() => lease.release());
        },
        end: () => written.then(resolve),
        error: (error) => fail(fromNetworkError(error)),
      });
    });
  } finally {
    await handle.close();
  }
}

/**
 * Resolves once `into` has taken `chunk`. A stream destroyed with a write in flight may
 * never call that write back (a Transform whose output is full keeps it), so its
 * closing ends the wait too.
 */
function taken(into: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const gone = () => reject(new Error("the guide's reader went away"));
    if (into.destroyed) return gone();
    into.once("close", gone);
    into.write(chunk, (error) => {
      into.off("close", gone);
      if (error) reject(error);
      else resolve();
    });
  });
}

/**
 * The provider's XMLTV guide, kept on disk as it came. Clients read the kept copy; one
 * older than the TTL is refreshed in the background, and a provider that is down leaves
 * the last one in use. Only the very first request waits for a download.
 */
export class XmltvSource {
  readonly #options: XmltvSourceOptions;
  #downloading: Promise<void> | undefined;
  lastError: string | undefined;

  constructor(options: XmltvSourceOptions) {
    this.#options = options;
  }

  async fetchedAt(): Promise<number | undefined> {
    try {
      return (await stat(this.#options.file)).mtimeMs;
    } catch {
      return undefined;
    }
  }

  download(): Promise<void> {
    this.#downloading ??= this.#download().finally(() => {
      this.#downloading = undefined;
    });
    return this.#downloading;
  }

  async #download(): Promise<void> {
    const { file, log } = this.#options;
    const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
    const started = Date.now();
    try {
      await mkdir(dirname(file), { recursive: true });
      const { status, source } = await openLiveSource(this.#options.line().xmltv(), {
        headers: { "user-agent": "deskhub-iptv", "accept-encoding": "gzip" },
        // Nothing cancels a guide download: it ends with its socket or its timeout.
        signal: new AbortController().signal,
        timeoutMs: this.#options.timeoutMs(),
        retryUntil: 0,
      });
      if (status !== 200) {
        source.destroy();
        throw new UpstreamError("status", `the provider answered HTTP ${status} for the guide`, status);
      }
      await save(source, tmp);
      await rename(tmp, file);
      this.lastError = undefined;
      log.info({ ms: Date.now() - started }, "guide downloaded");
    } catch (error) {
      await rm(tmp, { force: true });
      this.lastError = error instanceof UpstreamError ? error.message : "the guide could not be saved";
      log.warn({ reason: this.lastError }, "guide download failed");
      throw error;
    }
  }

  /** Makes sure there is a kept copy (the first request waits for it); an old one is refreshed in the background. */
  async ready(): Promise<void> {
    const fetched = await this.fetchedAt();
    if (fetched === undefined) await this.download();
    else if (Date.now() - fetched > this.#options.ttlMs()) this.download().catch(() => {});
  }

  /**
   * Writes the kept guide's decompressed bytes into `into`, then ends it; a read that
   * fails destroys it, and a destroyed `into` stops the reading. A plain guide is read
   * into one buffer, reused: the next read waits for `into` to have taken the last
   * chunk, so `into` must not keep chunks (the XMLTV filter decodes each at once).
   * Read through an fs stream, each 64 kB was a new buffer, and V8 let tens of MB of
   * them pile up before freeing any.
   */
  async feed(into: Writable): Promise<void> {
    const handle = await open(this.#options.file, "r");
    try {
      const chunk = Buffer.allocUnsafe(READ_SIZE);
      const { bytesRead } = await handle.read(chunk, 0, READ_SIZE, 0);
      if (bytesRead >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
        const gunzip = createGunzip({ chunkSize: READ_SIZE });
        const file = handle.createReadStream({ start: 0, highWaterMark: READ_SIZE, autoClose: false });
        await pipeline(file, gunzip, into);
        return;
      }
      let position = 0;
      let read = bytesRead;
      while (read > 0) {
        await taken(into, chunk.subarray(0, read));
        position += read;
        read = (await handle.read(chunk, 0, READ_SIZE, position)).bytesRead;
      }
      into.end();
    } catch (error) {
      into.destroy(error as Error);
    } finally {
      await handle.close();
    }
  }
}
