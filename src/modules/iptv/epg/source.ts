import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { Logger } from "../../../core/log.ts";
import { fromNetworkError, UpstreamError } from "../upstream/errors.ts";
import type { UpstreamLine } from "../upstream/line.ts";
import { requestUpstream } from "../upstream/request.ts";

export interface XmltvSourceOptions {
  /** Where the provider's guide is kept, as it came (gzipped or not). */
  file: string;
  line: () => UpstreamLine;
  timeoutMs: () => number;
  ttlMs: () => number;
  log: Logger;
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
      const { res, status } = await requestUpstream(this.#options.line().xmltv(), {
        timeoutMs: this.#options.timeoutMs(),
        headers: { "user-agent": "deskhub-iptv", "accept-encoding": "gzip" },
      });
      if (status !== 200) {
        res.resume();
        throw new UpstreamError("status", `the provider answered HTTP ${status} for the guide`, status);
      }
      await pipeline(res, createWriteStream(tmp, { mode: 0o600 })).catch((error) => {
        throw fromNetworkError(error);
      });
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
