import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PrivateBus {
  /** The D-Bus address, e.g. `unix:path=/tmp/deskhub-dbus-x/bus,guid=...`. */
  address: string;
  /**
   * `process.env` with `DBUS_SESSION_BUS_ADDRESS` pointing at this bus, ready for a child
   * process or for code that takes an env. To layer it over a sandbox, take `address`:
   * `{ ...sandbox.env, DBUS_SESSION_BUS_ADDRESS: bus.address }`.
   */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

// A path socket, not `unix:dir=`/`tmpdir=`: those may pick abstract sockets, which
// dbus-next cannot open without its optional native `usocket` module.
function config(socket: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

/**
 * Starts a private dbus-daemon for one test file, so tests can own well-known names
 * (org.freedesktop.ScreenSaver, org.freedesktop.Notifications, ...) without touching
 * the user's bus. Stop it in afterAll.
 */
export async function startSessionBus(): Promise<PrivateBus> {
  const dir = mkdtempSync(join(tmpdir(), "deskhub-dbus-"));
  const configFile = join(dir, "bus.conf");
  writeFileSync(configFile, config(join(dir, "bus")));
  const child = spawn("dbus-daemon", [`--config-file=${configFile}`, "--nofork", "--print-address=1"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let address: string;
  try {
    address = await readAddress(child);
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  // A test that times out before its afterAll must not leave the daemon behind.
  const orphan = () => child.kill("SIGKILL");
  process.once("exit", orphan);
  return {
    address,
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address },
    async stop() {
      process.off("exit", orphan);
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`dbus-daemon printed no address in 5 s: ${err}`)), 5000);
    child.stderr?.on("data", (chunk) => (err += chunk));
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start dbus-daemon (Debian package dbus): ${error.message}`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`dbus-daemon exited with ${code}: ${err}`));
    });
  });
}
