import type { MessageBus } from "dbus-next";

export interface MenuItem {
  id: number;
  label: string;
  enabled?: boolean;
  onClick?: () => void;
}

type Dbus = typeof import("dbus-next");
type Variant = InstanceType<Dbus["Variant"]>;

/**
 * A flat com.canonical.dbusmenu menu, the one StatusNotifierItem hosts (waybar, KDE,
 * the GNOME AppIndicator extension) read to show an item's context menu.
 */
export function exportMenu(dbus: Dbus, bus: MessageBus, path: string, initial: MenuItem[]) {
  const { Variant } = dbus;
  let items = initial;
  let revision = 1;

  const props = (item: MenuItem): Record<string, Variant> => ({
    label: new Variant("s", item.label),
    enabled: new Variant("b", item.enabled ?? true),
    visible: new Variant("b", true),
  });
  const node = (item: MenuItem) => new Variant("(ia{sv}av)", [item.id, props(item), []]);

  class DbusMenu extends dbus.interface.Interface {
    get Version() {
      return 3;
    }
    get TextDirection() {
      return "ltr";
    }
    get Status() {
      return "normal";
    }
    get IconThemePath() {
      return [];
    }
    GetLayout(parentId: number) {
      const root = { "children-display": new Variant("s", "submenu") };
      const children = parentId === 0 ? items.map(node) : [];
      return [revision, [parentId, parentId === 0 ? root : {}, children]];
    }
    GetGroupProperties(ids: number[]) {
      return items.filter((i) => ids.length === 0 || ids.includes(i.id)).map((i) => [i.id, props(i)]);
    }
    GetProperty(id: number, name: string) {
      const item = items.find((i) => i.id === id);
      return props(item ?? { id, label: "" })[name] ?? new Variant("s", "");
    }
    Event(id: number, eventId: string) {
      if (eventId === "clicked") items.find((i) => i.id === id)?.onClick?.();
    }
    EventGroup(events: Array<[number, string, Variant, number]>) {
      for (const [id, eventId] of events) this.Event(id, eventId);
      return [];
    }
    AboutToShow() {
      return false;
    }
    AboutToShowGroup() {
      return [[], []];
    }
    LayoutUpdated(rev: number, parent: number) {
      return [rev, parent];
    }
  }
  DbusMenu.configureMembers({
    properties: {
      Version: { signature: "u", access: "read" },
      TextDirection: { signature: "s", access: "read" },
      Status: { signature: "s", access: "read" },
      IconThemePath: { signature: "as", access: "read" },
    },
    methods: {
      GetLayout: { inSignature: "iias", outSignature: "u(ia{sv}av)" },
      GetGroupProperties: { inSignature: "aias", outSignature: "a(ia{sv})" },
      GetProperty: { inSignature: "is", outSignature: "v" },
      Event: { inSignature: "isvu", outSignature: "" },
      EventGroup: { inSignature: "a(isvu)", outSignature: "ai" },
      AboutToShow: { inSignature: "i", outSignature: "b" },
      AboutToShowGroup: { inSignature: "ai", outSignature: "aiai" },
    },
    signals: { LayoutUpdated: { signature: "ui" } },
  });

  const menu = new DbusMenu("com.canonical.dbusmenu");
  bus.export(path, menu);
  return {
    update(next: MenuItem[]) {
      items = next;
      revision++;
      menu.LayoutUpdated(revision, 0);
    },
    unexport() {
      bus.unexport(path, menu);
    },
  };
}
