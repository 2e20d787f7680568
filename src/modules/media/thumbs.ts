import { readdirSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../core/atomic.ts";
import { needsCleaning } from "../../desktop/menu.ts";

export interface ThumbRequest {
  key: string;
  url: string;
  /** The file type asked for (see `named`); anything else the server sends is not kept. */
  extension?: string | undefined;
}

const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/webp": "webp",
  "image/jpeg": "jpg",
  "image/gif": "gif",
};

/** A key is part of a file name: only what is safe there. */
export function thumbKey(source: string, id: string, version = ""): string {
  const key = version ? `${source}-${id}-${version}` : `${source}-${id}`;
  return UNSAFE.test(key) ? key.replace(UNSAFE_ALL, "_") : key;
}

const UNSAFE = /[^A-Za-z0-9_-]/;
const UNSAFE_ALL = /[^A-Za-z0-9_-]/g;

/**
 * Posters and video thumbnails on disk, used as menu icons. A menu asks only which are
 * already there (one directory read, not a stat per item) and never waits for a
 * download: missing ones are fetched in the background for the next time.
 */
export class Thumbnails {
  readonly dir: string;
  /** Key to full path, made once here rather than for each of 20,000 menu lines. */
  #files: Map<string, string> | undefined;
  #listed: Promise<void> | undefined;
  #names: string[] | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Starts reading the directory in the background: 20,000 names take 30 ms, which a
   * menu spends opening its database instead of waiting. Resolves when they are in.
   */
  list(): Promise<void> {
    this.#listed ??= readdir(this.dir).then(
      (names) => {
        this.#names = names;
      },
      () => {
        this.#names = [];
      },
    );
    return this.#listed;
  }

  #index(): Map<string, string> {
    if (this.#files) return this.#files;
    const files = new Map<string, string>();
    // Joined by hand: path.join normalises every path and took 40 ms for 5,500 files.
    const prefix = `${this.dir}/`;
    try {
      // Menus write these paths as they are: a name that could split a menu line is not one of ours.
      for (const name of this.#names ?? readdirSync(this.dir)) {
        if (name.startsWith(".") || needsCleaning(name)) continue;
        const dot = name.lastIndexOf(".");
        files.set(dot > 0 ? name.slice(0, dot) : name, prefix + name);
      }
    } catch {
      // No directory yet: nothing cached.
    }
    this.#files = files;
    return files;
  }

  /** The cached image for a key, if there is one. */
  path(key: string): string | undefined {
    return this.#index().get(key);
  }

  /**
   * Where the image of this key and type is, or will be once fetched: a menu names it
   * at once and shows it from the next time on, so what it is given does not change
   * as the images come in. Keys are safe in a file name and a menu line (`thumbKey`).
   */
  named(key: string, extension: string): string {
    return `${this.dir}/${key}.${extension}`;
  }

  /** Whether the image is on disk: under that type's name when the request names one. */
  has(key: string, extension?: string): boolean {
    const path = this.#index().get(key);
    return path !== undefined && (extension === undefined || path.endsWith(`.${extension}`));
  }

  missing(requests: readonly ThumbRequest[]): ThumbRequest[] {
    return requests.filter((request) => !this.has(request.key, request.extension));
  }

  /** Downloads what is missing, a few at a time; failures are skipped (the menu shows no icon). */
  async fetchMissing(
    requests: readonly ThumbRequest[],
    options: { concurrency?: number; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<number> {
    const queue = this.missing(requests);
    let fetched = 0;
    const worker = async () => {
      for (let request = queue.shift(); request; request = queue.shift()) {
        if (options.signal?.aborted) return;
        try {
          const response = await fetch(request.url, {
            signal: AbortSignal.any([
              AbortSignal.timeout(options.timeoutMs ?? 10_000),
              ...(options.signal ? [options.signal] : []),
            ]),
          });
          if (!response.ok) continue;
          const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
          const extension = EXTENSIONS[type];
          if (!extension || (request.extension && extension !== request.extension)) continue;
          const path = join(this.dir, `${request.key}.${extension}`);
          await writeFileAtomic(path, new Uint8Array(await response.arrayBuffer()));
          this.#index().set(request.key, path);
          fetched++;
        } catch {
          // Offline or a dead link: no icon this time.
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, worker));
    return fetched;
  }
}
