import { readFile, realpath } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

async function runtimeStatus(dir: string): Promise<string | undefined> {
  return readFile(join(dir, "power/runtime_status"), "utf8").then(
    (text) => text.trim(),
    () => undefined,
  );
}

/**
 * Whether every camera is runtime-suspended, so none can be streaming and the /proc
 * scan can be skipped. UVC webcams take a runtime-PM reference while in use and
 * suspend when USB autosuspend is on; a camera with autosuspend off, or a node that
 * is not a V4L2 device, never reads "suspended" and is always scanned.
 */
export async function camerasAsleep(devices: readonly string[], sysRoot = "/sys"): Promise<boolean> {
  if (devices.length === 0) return false;
  for (const device of devices) {
    // /sys/class/video4linux/videoN/device links to the USB interface; its parent is the
    // camera. The link is resolved first: `..` after a symlink must not be lexical.
    const iface = await realpath(join(sysRoot, "class/video4linux", basename(device), "device")).catch(
      () => undefined,
    );
    if (!iface) return false;
    const statuses = await Promise.all([runtimeStatus(iface), runtimeStatus(dirname(iface))]);
    if (!statuses.includes("suspended")) return false;
  }
  return true;
}
