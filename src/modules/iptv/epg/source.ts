import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { Logger } from "../../../core/log.ts";
import { type LiveSource, openLiveSource } from "../streams/live-source.ts";
import { fromNetworkError, UpstreamError } from "../upstream/errors.ts";
import type { UpstreamLine } from "../upstream/line.ts";

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

  /** The guide's decompressed bytes, from the kept copy (downloaded first if there is none). */
  async open(): Promise<Readable> {
    const fetched = await this.fetchedAt();
    if (fetched === undefined) await this.download();
    else if (Date.now() - fetched > this.#options.ttlMs()) this.download().catch(() => {});
    const handle = await open(this.#options.file, "r");
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    const stream = handle.createReadStream({ highWaterMark: 64 * 1024 });
    if (head[0] === 0x1f && head[1] === 0x8b) {
      const gunzip = createGunzip({ chunkSize: 64 * 1024 });
      pipeline(stream, gunzip).catch(() => {});
      gunzip.once("close", () => stream.destroy());
      return gunzip;
    }
    return stream;
  }
}
