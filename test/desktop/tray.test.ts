import dbus from "dbus-next";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus } from "../../src/desktop/dbus.ts";
import { centreColour, dotPixmap } from "../../src/desktop/tray/icon.ts";
import { startTray } from "../../src/desktop/tray/sni.ts";
import { type PrivateBus, startSessionBus } from "../helpers/dbus.ts";

/** A tray host's watcher (what KDE, waybar and the AppIndicator extension run). */
async function startWatcher(address: string) {
  const bus = dbus.sessionBus({ busAddress: address });
  await new Promise<void>((resolve) => bus.once("connect", () => resolve()));
  await bus.requestName("org.kde.StatusNotifierWatcher", 0);
  const registered: string[] = [];
  bus.addMethodHandler((msg: dbus.Message) => {
    if (msg.interface !== "org.kde.StatusNotifierWatcher" || msg.member !== "RegisterStatusNotifierItem")
      return false;
    registered.push(String(msg.body[0]));
    bus.send(dbus.Message.newMethodReturn(msg, "", []));
    return true;
  });
  return { bus, registered };
}

describe("tray icon (StatusNotifierItem)", () => {
  let session: PrivateBus;

  beforeAll(async () => {
    session = await startSessionBus();
  });
  afterAll(async () => {
    await session.stop();
  });

  it("draws a dot in the status colour", () => {
    const icon = dotPixmap("#ff3333", 22);
    expect(icon.data.length).toBe(22 * 22 * 4);
    expect(centreColour(icon)).toBe("#ff3333");
    expect(icon.data[0]).toBe(0);
  });

  it("stays away quietly where no tray host runs", async () => {
    const connection = await connectBus("session", session.env);
    try {
      expect(
        await startTray(connection, {
          id: "t",
          title: "t",
          state: { colour: "#808080", tooltip: "Ready" },
          menu: [],
        }),
      ).toBeUndefined();
    } finally {
      connection.close();
    }
  });

  it("registers with the watcher, recolours with the status, and runs menu items", async () => {
    const watcher = await startWatcher(session.address);
    const connection = await connectBus("session", session.env);
    let cancelled = 0;
    const tray = await startTray(connection, {
      id: "deskhub-voice",
      title: "deskhub voice",
      state: { colour: "#808080", tooltip: "Ready" },
      menu: [
        { id: 1, label: "Ready", enabled: false },
        { id: 3, label: "Cancel recording", onClick: () => cancelled++ },
      ],
    });
    try {
      expect(tray).toBeDefined();
      expect(watcher.registered).toEqual([`org.kde.StatusNotifierItem-${process.pid}-1`]);
      const host = await watcher.bus.getProxyObject(watcher.registered[0]!, "/StatusNotifierItem");
      const props = host.getInterface("org.freedesktop.DBus.Properties");
      const pixmap = async () => {
        const value = (await props.Get!("org.kde.StatusNotifierItem", "IconPixmap")) as {
          value: Array<[number, number, Buffer]>;
        };
        const [w, h, data] = value.value.find(([size]) => size === 22)!;
        return centreColour({ width: w, height: h, data });
      };
      expect(await pixmap()).toBe("#808080");
      const newIcon = new Promise<void>((resolve) =>
        host.getInterface("org.kde.StatusNotifierItem").once("NewIcon", () => resolve()),
      );
      tray!.update({ colour: "#ff3333", tooltip: "Recording…", attention: true });
      await newIcon;
      expect(await pixmap()).toBe("#ff3333");
      const status = (await props.Get!("org.kde.StatusNotifierItem", "Status")) as { value: string };
      expect(status.value).toBe("NeedsAttention");
      const tooltip = (await props.Get!("org.kde.StatusNotifierItem", "ToolTip")) as {
        value: [string, unknown[], string, string];
      };
      expect(tooltip.value[3]).toBe("Recording…");

      const menuObject = await watcher.bus.getProxyObject(watcher.registered[0]!, "/MenuBar");
      const menu = menuObject.getInterface("com.canonical.dbusmenu");
      const [, layout] = (await menu.GetLayout!(0, -1, [])) as [
        number,
        [number, Record<string, unknown>, Array<{ value: [number, Record<string, { value: unknown }>] }>],
      ];
      expect(layout[2].map((child) => child.value[1].label!.value)).toEqual(["Ready", "Cancel recording"]);
      await menu.Event!(3, "clicked", new dbus.Variant("s", ""), 0);
      expect(cancelled).toBe(1);
    } finally {
      await tray?.close();
      connection.close();
      watcher.bus.disconnect();
    }
  });
});
