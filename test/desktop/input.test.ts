import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dbus from "dbus-next";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus } from "../../src/desktop/dbus.ts";
import {
  EvdevKeys,
  inputPermissionError,
  parseInputDevices,
  parseKeyBitmap,
} from "../../src/desktop/input/evdev.ts";
import {
  EV_KEY,
  EV_MSC,
  EV_SYN,
  encodeInputEvent,
  InputEventReader,
  parseInputEvent,
} from "../../src/desktop/input/input-event.ts";
import { keyCode, keyName } from "../../src/desktop/input/keys.ts";
import { PortalShortcuts } from "../../src/desktop/input/portal-shortcuts.ts";
import { type PrivateBus, startSessionBus } from "../helpers/dbus.ts";

/**
 * One record as the kernel writes it to /dev/input/eventN on x86-64 when right Ctrl goes
 * down: tv_sec, tv_usec (8 bytes each, little endian), type EV_KEY, code 97, value 1.
 */
const RIGHT_CTRL_DOWN_HEX = "9f61ec6600000000" + "a4c50a0000000000" + "0100" + "6100" + "01000000";

/**
 * A press, one auto-repeat and a release of right Ctrl as a USB keyboard reports them:
 * MSC_SCAN with the HID usage (0x700e4), the key event, then SYN_REPORT.
 */
function hexEvents(
  events: Array<{ type: number; code: number; value: number }>,
  start = 1_726_767_519_705_956,
): Buffer {
  return Buffer.concat(events.map((e, i) => encodeInputEvent({ timeUs: start + i * 16_000, ...e }, 24)));
}

const PRESS_REPEAT_RELEASE = hexEvents([
  { type: EV_MSC, code: 4, value: 0x700e4 },
  { type: EV_KEY, code: 97, value: 1 },
  { type: EV_SYN, code: 0, value: 0 },
  { type: EV_KEY, code: 97, value: 2 },
  { type: EV_SYN, code: 0, value: 0 },
  { type: EV_MSC, code: 4, value: 0x700e4 },
  { type: EV_KEY, code: 97, value: 0 },
  { type: EV_SYN, code: 0, value: 0 },
]);

/** A laptop's /proc/bus/input/devices, trimmed to three devices. */
const PROC_DEVICES = `I: Bus=0019 Vendor=0000 Product=0001 Version=0000
N: Name="Power Button"
P: Phys=LNXPWRBN/button/input0
S: Sysfs=/devices/LNXSYSTM:00/LNXPWRBN:00/input/input0
U: Uniq=
H: Handlers=kbd event0
B: PROP=0
B: EV=3
B: KEY=10000000000000 0

I: Bus=0011 Vendor=0001 Product=0001 Version=ab83
N: Name="AT Translated Set 2 keyboard"
P: Phys=isa0060/serio0/input0
S: Sysfs=/devices/platform/i8042/serio0/input/input3
U: Uniq=
H: Handlers=sysrq kbd leds event3
B: PROP=0
B: EV=120013
B: KEY=402000000 3803078f800d001 feffffdfffefffff fffffffffffffffe
B: MSC=10
B: LED=7

I: Bus=0018 Vendor=06cb Product=ce7e Version=0100
N: Name="SYNA8004:00 06CB:CE7E Touchpad"
H: Handlers=mouse1 event9
B: PROP=5
B: EV=1b
B: KEY=e520 10000 0 0 0 0
`;

describe("input_event records", () => {
  it("parses the 24-byte struct the kernel writes", () => {
    const bytes = Buffer.from(RIGHT_CTRL_DOWN_HEX, "hex");
    const event = parseInputEvent(bytes, 0, 24);
    expect(event).toMatchObject({ type: EV_KEY, code: 97, value: 1 });
    expect(event.timeUs).toBe(0x66ec619f * 1_000_000 + 0x0ac5a4);
    expect(bytes.length).toBe(24);
  });

  it("reassembles events split across reads and keeps only whole ones", () => {
    const reader = new InputEventReader(24);
    const events = [];
    for (let i = 0; i < PRESS_REPEAT_RELEASE.length; i += 10)
      events.push(...reader.push(PRESS_REPEAT_RELEASE.subarray(i, i + 10)));
    expect(events.filter((e) => e.type === EV_KEY).map((e) => e.value)).toEqual([1, 2, 0]);
    expect(events).toHaveLength(8);
    expect(events[0]).toMatchObject({ type: EV_MSC, code: 4, value: 0x700e4 });
  });
});

describe("keyboards", () => {
  it("finds keyboards and their keys in /proc/bus/input/devices", () => {
    const devices = parseInputDevices(PROC_DEVICES);
    expect(devices.map((d) => d.path)).toEqual([
      "/dev/input/event0",
      "/dev/input/event3",
      "/dev/input/event9",
    ]);
    const keyboard = devices[1]!;
    expect(keyboard.name).toBe("AT Translated Set 2 keyboard");
    expect(keyboard.keys.has(97)).toBe(true);
    expect(keyboard.keys.has(54)).toBe(true);
    expect(devices[0]!.keys.has(97)).toBe(false);
    expect(devices[0]!.keys.has(116)).toBe(true);
    expect(parseKeyBitmap("10000000000000 0")).toEqual(new Set([116]));
  });

  it("knows the old config's key names and evdev's", () => {
    expect(keyCode("ctrl_r")).toBe(97);
    expect(keyCode("Key.shift_r")).toBe(54);
    expect(keyCode("esc")).toBe(1);
    expect(keyCode("KEY_RIGHTCTRL")).toBe(97);
    expect(keyCode("Right Ctrl")).toBe(97);
    expect(keyCode("f12")).toBe(88);
    expect(keyCode("f13")).toBe(183);
    expect(keyCode("97")).toBe(97);
    expect(keyCode("hyper_thing")).toBeUndefined();
    expect(keyName(97)).toBe("rightctrl");
  });

  it("reads key events from a device node through the relay, split or whole", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deskhub-evdev-"));
    const fifo = join(dir, "event7");
    execFileSync("mkfifo", [fifo]);
    // Opening read-write keeps the FIFO from blocking either side, like a device node.
    const writer = openSync(fifo, "r+");
    const keys = new EvdevKeys({ keys: [97] });
    const seen: Array<[number, number]> = [];
    keys.on("key", (e) => seen.push([e.code, e.value]));
    try {
      keys.open(fifo);
      writeSync(writer, PRESS_REPEAT_RELEASE.subarray(0, 30));
      await new Promise((r) => setTimeout(r, 50));
      writeSync(writer, PRESS_REPEAT_RELEASE.subarray(30));
      const deadline = Date.now() + 5000;
      while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual([
        [97, 1],
        [97, 2],
        [97, 0],
      ]);
      expect(keys.devices).toEqual([fifo]);
    } finally {
      keys.close();
      closeSync(writer);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says what to do when the user is not in the input group", () => {
    const error = inputPermissionError("/dev/input/event3");
    expect(error.message).toMatch(/\/dev\/input\/event3: permission denied .*"input" group/);
    expect(error.hint).toMatch(/usermod -aG input/);
    expect(error.code).toBe(77);
  });

  it("fails clearly when no keyboard has the key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deskhub-devices-"));
    const file = join(dir, "devices");
    writeFileSync(file, PROC_DEVICES.split("\n\n")[0]!);
    const keys = new EvdevKeys({ keys: [97], devicesFile: file });
    await expect(keys.start()).rejects.toThrow(/no keyboard with the configured keys/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("XDG desktop portal GlobalShortcuts", () => {
  let bus: PrivateBus;
  let portalBus: dbus.MessageBus;
  const calls: Array<{ member: string; body: unknown[] }> = [];
  let sessionPath = "";

  beforeAll(async () => {
    bus = await startSessionBus();
    // A portal backend as the spec describes it: requests answer through Request.Response.
    portalBus = dbus.sessionBus({ busAddress: bus.address });
    await new Promise<void>((resolve) => portalBus.once("connect", () => resolve()));
    await portalBus.requestName("org.freedesktop.portal.Desktop", 0);
    const { Message, Variant } = dbus;
    const respond = (path: string, results: Record<string, unknown>) =>
      setTimeout(
        () =>
          portalBus.send(
            Message.newSignal(path, "org.freedesktop.portal.Request", "Response", "ua{sv}", [0, results]),
          ),
        20,
      );
    portalBus.addMethodHandler((msg: dbus.Message) => {
      if (msg.interface !== "org.freedesktop.portal.GlobalShortcuts") return false;
      calls.push({ member: msg.member, body: msg.body });
      const sender = msg.sender.replace(/^:/, "").replaceAll(".", "_");
      const options = (msg.member === "CreateSession" ? msg.body[0] : msg.body[3]) as Record<
        string,
        { value: string }
      >;
      const requestPath = `/org/freedesktop/portal/desktop/request/${sender}/${options.handle_token!.value}`;
      if (msg.member === "CreateSession") {
        sessionPath = `/org/freedesktop/portal/desktop/session/${sender}/${options.session_handle_token!.value}`;
        portalBus.send(Message.newMethodReturn(msg, "o", [requestPath]));
        respond(requestPath, { session_handle: new Variant("s", sessionPath) });
        return true;
      }
      if (msg.member === "BindShortcuts") {
        const shortcuts = msg.body[1] as Array<[string, Record<string, { value: string }>]>;
        portalBus.send(Message.newMethodReturn(msg, "o", [requestPath]));
        const bound = shortcuts.map(([id, props]) => [
          id,
          {
            description: props.description!,
            trigger_description: new Variant("s", `Press ${props.preferred_trigger?.value ?? "nothing"}`),
          },
        ]);
        respond(requestPath, { shortcuts: new Variant("a(sa{sv})", bound) });
        return true;
      }
      return false;
    });
  });

  afterAll(async () => {
    portalBus.disconnect();
    await bus.stop();
  });

  it("binds the shortcuts and hears press and release", async () => {
    const connection = await connectBus("session", bus.env);
    const portal = await PortalShortcuts.create(connection);
    try {
      const bound = await portal.bind([
        { id: "push-to-talk", description: "Push to talk", preferredTrigger: "Control_R" },
        { id: "interrupt", description: "Stop", preferredTrigger: "Escape" },
      ]);
      expect(bound).toEqual([
        { id: "push-to-talk", description: "Push to talk", triggerDescription: "Press Control_R" },
        { id: "interrupt", description: "Stop", triggerDescription: "Press Escape" },
      ]);
      expect(calls.map((c) => c.member)).toEqual(["CreateSession", "BindShortcuts"]);
      expect(calls[1]!.body[0]).toBe(sessionPath);

      const heard: string[] = [];
      portal.on("activated", (id) => heard.push(`down ${id}`));
      portal.on("deactivated", (id) => heard.push(`up ${id}`));
      const { Message } = dbus;
      const emit = (member: string, session: string) =>
        portalBus.send(
          Message.newSignal(
            "/org/freedesktop/portal/desktop",
            "org.freedesktop.portal.GlobalShortcuts",
            member,
            "osta{sv}",
            [session, "push-to-talk", BigInt(Date.now()), {}],
          ),
        );
      emit("Activated", "/org/freedesktop/portal/desktop/session/other/app");
      emit("Activated", sessionPath);
      emit("Deactivated", sessionPath);
      const deadline = Date.now() + 3000;
      while (heard.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toEqual(["down push-to-talk", "up push-to-talk"]);
    } finally {
      await portal.close();
      connection.close();
    }
  });

  it("says so when no portal implements GlobalShortcuts", async () => {
    const other = await startSessionBus();
    const connection = await connectBus("session", other.env);
    try {
      const portal = await PortalShortcuts.create(connection);
      await expect(portal.bind([{ id: "push-to-talk", description: "x" }])).rejects.toThrow(
        /no GlobalShortcuts/,
      );
    } finally {
      connection.close();
      await other.stop();
    }
  });
});
