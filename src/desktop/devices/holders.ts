import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";

export interface Holder {
  pid: number;
  /** The kernel's short process name (/proc/PID/comm), e.g. `firefox`, `zoom`. */
  name: string;
  /** Which of the watched paths it holds open. */
  paths: string[];
}

export interface ScanResult {
  holders: Holder[];
  /** Processes whose fds we may not read (another user's); a holder among them is invisible. */
  unreadable: number;
  scanned: number;
  /** Processes passed over because their fd count had not changed (with a cache). */
  unchanged: number;
}

/**
 * Per-process fd counts from earlier scans, of processes that held none of the targets.
 * Since Linux 6.2 the size of /proc/PID/fd is its number of open fds, so one stat tells
 * whether a process opened or closed anything since; only those are read again. A
 * process that closes one file and opens the camera keeps its count: the caller clears
 * the cache now and then for a full scan.
 */
export type FdCountCache = Map<number, number>;

/** Processes scanned between yields to the event loop. */
const BATCH = 16;

/**
 * Which processes hold any of `targets` open, from /proc/PID/fd symlinks, as fuser and
 * lsof find them. Synchronous calls per process (procfs never touches a disk, and the
 * thread-pool hop of async fs costs more than the call) with a yield every few
 * processes, so a scan of a busy desktop never holds the event loop for long.
 */
export async function findHolders(
  targets: ReadonlySet<string>,
  options: { procRoot?: string; skipPid?: number; cache?: FdCountCache } = {},
): Promise<ScanResult> {
  const proc = options.procRoot ?? "/proc";
  const cache = options.cache;
  const result: ScanResult = { holders: [], unreadable: 0, scanned: 0, unchanged: 0 };
  const alive = new Set<number>();
  if (targets.size === 0) return result;
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    return result;
  }
  let visited = 0;
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    if (++visited % BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
    const pid = Number(entry);
    if (pid === options.skipPid) continue;
    const fdDir = `${proc}/${entry}/fd/`;
    let fdCount = 0;
    let fds: string[];
    try {
      if (cache) {
        fdCount = statSync(fdDir).size;
        alive.add(pid);
        // A size of 0 means a kernel before 6.2 (or no fds): no shortcut.
        if (fdCount > 0 && cache.get(pid) === fdCount) {
          result.unchanged++;
          continue;
        }
      }
      fds = readdirSync(fdDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EACCES") result.unreadable++;
      continue;
    }
    result.scanned++;
    const paths: string[] = [];
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(fdDir + fd);
      } catch {
        continue; // closed between readdir and readlink
      }
      if (targets.has(link) && !paths.includes(link)) paths.push(link);
    }
    if (paths.length === 0) {
      cache?.set(pid, fdCount);
      continue;
    }
    cache?.delete(pid);
    let name = "?";
    try {
      name = readFileSync(`${proc}/${entry}/comm`, "utf8").trim();
    } catch {
      // Exited just now; the holder still counts for this scan.
    }
    result.holders.push({ pid, name, paths });
  }
  if (cache) for (const pid of cache.keys()) if (!alive.has(pid)) cache.delete(pid);
  return result;
}
