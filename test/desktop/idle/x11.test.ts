import { type ChildProcess, execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { X11Idle } from "../../../src/desktop/idle/x11.ts";
import { parseDisplay } from "../../../src/desktop/idle/x11-protocol.ts";
import { parseXauthority } from "../../../src/desktop/idle/xauthority.ts";
import { startXvfb, stopChild as stop } from "../../helpers/xvfb.ts";

const run = promisify(execFile);

describe("X11 idle through the MIT-SCREEN-SAVER extension", () => {
  let open: { display: string; child: ChildProcess };
  let locked: { display: string; child: ChildProcess };
  let dir: string;
  const cookie = "0123456789abcdef0123456789abcdef";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "deskhub-x11-"));
    open = await startXvfb();
    // A server that only admits clients with the cookie, as display managers set them up.
    const auth = join(dir, "server.auth");
    writeFileSync(auth, "");
    await run("xauth", ["-f", auth, "add", ":0", "MIT-MAGIC-COOKIE-1", cookie]).catch(() => undefined);
    locked = await startXvfb(["-auth", auth]);
  });
  afterAll(async () => {
    await Promise.all([stop(open.child), stop(locked.child)]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads the idle time natively and sees it reset by input", async () => {
    const source = new X11Idle({ DISPLAY: open.display, PATH: process.env.PATH });
    await source.open();
    try {
      expect(source.via).toBe("native");
      await new Promise((r) => setTimeout(r, 1200));
      const before = await source.read();
      expect(before.idleMs).toBeGreaterThanOrEqual(1000);
      await run("xdotool", ["mousemove", "--sync", "37", "42"], {
        env: { ...process.env, DISPLAY: open.display },
      });
      const after = await source.read();
      expect(after.idleMs).toBeLessThan(before.idleMs);
      expect(after.idleMs).toBeLessThan(500);
    } finally {
      await source.close();
    }
  });

  it("steps aside in a Wayland session, where XWayland cannot see native input", async () => {
    const source = new X11Idle({ DISPLAY: open.display, WAYLAND_DISPLAY: "wayland-1" });
    await expect(source.open()).rejects.toThrow(/Wayland session/);
  });

  it("authenticates with the MIT-MAGIC-COOKIE-1 from XAUTHORITY", async () => {
    const number = locked.display.slice(1);
    const clientAuth = join(dir, "client.auth");
    writeFileSync(clientAuth, xauthEntry(number, cookie));
    const refused = new X11Idle({
      DISPLAY: locked.display,
      PATH: "/nonexistent",
      XAUTHORITY: join(dir, "none"),
    });
    await expect(refused.open()).rejects.toThrow(/refused the connection|authorization/i);
    const source = new X11Idle({ DISPLAY: locked.display, PATH: "/nonexistent", XAUTHORITY: clientAuth });
    await source.open();
    expect(source.via).toBe("native");
    expect((await source.read()).idleMs).toBeGreaterThanOrEqual(0);
    await source.close();
  });

  it("parses DISPLAY values and Xauthority records", () => {
    expect(parseDisplay(":0")).toEqual({ host: "", number: 0 });
    expect(parseDisplay(":1.0")).toEqual({ host: "", number: 1 });
    expect(parseDisplay("unix:2")).toEqual({ host: "unix", number: 2 });
    expect(parseDisplay("localhost:10.0")).toEqual({ host: "localhost", number: 10 });
    expect(parseDisplay("wayland-0")).toBeUndefined();
    const [entry] = parseXauthority(xauthEntry("7", cookie));
    expect(entry).toMatchObject({ family: 65535, display: "7", name: "MIT-MAGIC-COOKIE-1" });
    expect(entry!.data.toString("hex")).toBe(cookie);
  });
});

/** One Xauthority record (family Wild), in the file format xauth writes. */
function xauthEntry(display: string, hexCookie: string): Buffer {
  const field = (data: Buffer) => {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(data.length);
    return Buffer.concat([length, data]);
  };
  const family = Buffer.alloc(2);
  family.writeUInt16BE(65535);
  return Buffer.concat([
    family,
    field(Buffer.from("")),
    field(Buffer.from(display)),
    field(Buffer.from("MIT-MAGIC-COOKIE-1")),
    field(Buffer.from(hexCookie, "hex")),
  ]);
}
