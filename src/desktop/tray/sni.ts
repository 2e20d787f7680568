import type { DbusConnection } from "../dbus.ts";
import { dotPixmap, type Rgb } from "./icon.ts";
import { exportMenu, type MenuItem } from "./menu.ts";

const WATCHER = "org.kde.StatusNotifierWatcher";
const WATCHER_PATH = "/StatusNotifierWatcher";
const ITEM_PATH = "/StatusNotifierItem";
const MENU_PATH = "/MenuBar";
const SIZES = [16, 22, 32, 48];

export interface TrayState {
  colour: Rgb;
  tooltip: string;
  /** Draws the host's attention (some hosts blink or highlight it). */
  attention?: boolean;
}

export interface TrayOptions {
  id: string;
  title: string;
  state: TrayState;
  menu: MenuItem[];
  onActivate?: () => void;
}

export interface Tray {
  update(state: TrayState, menu?: MenuItem[]): void;
  close(): Promise<void>;
}

/**
 * A StatusNotifierItem (the tray protocol of KDE, waybar's tray and GNOME's
 * AppIndicator extension) with a coloured dot and a dbusmenu. Returns undefined where
 * no tray host runs (no org.kde.StatusNotifierWatcher): there is nobody to show it to,
 * and waybar or the dashboard carry the indicator instead.
 */
export async function startTray(connection: DbusConnection, options: TrayOptions): Promise<Tray | undefined> {
  if (!(await connection.hasOwner(WATCHER))) return undefined;
  const dbus = await import("dbus-next");
  const bus = connection.bus;
  let state = options.state;

  const pixmaps = () =>
    SIZES.map((size) => {
      const p = dotPixmap(state.colour, size);
      return [p.width, p.height, p.data];
    });

  class Item extends dbus.interface.Interface {
    get Category() {
      return "ApplicationStatus";
    }
    get Id() {
      return options.id;
    }
    get Title() {
      return options.title;
    }
    get Status() {
      return state.attention ? "NeedsAttention" : "Active";
    }
    get WindowId() {
      return 0;
    }
    get IconName() {
      return "";
    }
    get IconPixmap() {
      return pixmaps();
    }
    get AttentionIconName() {
      return "";
    }
    get AttentionIconPixmap() {
      return pixmaps();
    }
    get OverlayIconName() {
      return "";
    }
    get OverlayIconPixmap() {
      return [];
    }
    get IconThemePath() {
      return "";
    }
    get ToolTip() {
      return ["", [], options.title, state.tooltip];
    }
    get ItemIsMenu() {
      return false;
    }
    get Menu() {
      return MENU_PATH;
    }
    Activate() {
      options.onActivate?.();
    }
    SecondaryActivate() {}
    ContextMenu() {}
    Scroll() {}
    NewIcon() {}
    NewAttentionIcon() {}
    NewToolTip() {}
    NewStatus(status: string) {
      return status;
    }
  }
  const read = (signature: string) => ({ signature, access: "read" as const });
  Item.configureMembers({
    properties: {
      Category: read("s"),
      Id: read("s"),
      Title: read("s"),
      Status: read("s"),
      WindowId: read("i"),
      IconName: read("s"),
      IconPixmap: read("a(iiay)"),
      AttentionIconName: read("s"),
      AttentionIconPixmap: read("a(iiay)"),
      OverlayIconName: read("s"),
      OverlayIconPixmap: read("a(iiay)"),
      IconThemePath: read("s"),
      ToolTip: read("(sa(iiay)ss)"),
      ItemIsMenu: read("b"),
      Menu: read("o"),
    },
    methods: {
      Activate: { inSignature: "ii" },
      SecondaryActivate: { inSignature: "ii" },
      ContextMenu: { inSignature: "ii" },
      Scroll: { inSignature: "is" },
    },
    signals: {
      NewIcon: { signature: "" },
      NewAttentionIcon: { signature: "" },
      NewToolTip: { signature: "" },
      NewStatus: { signature: "s" },
    },
  });

  const item = new Item("org.kde.StatusNotifierItem");
  bus.export(ITEM_PATH, item);
  const menu = exportMenu(dbus, bus, MENU_PATH, options.menu);
  const name = `org.kde.StatusNotifierItem-${process.pid}-1`;
  await bus.requestName(name, 0);

  const register = () =>
    connection.call({
      destination: WATCHER,
      path: WATCHER_PATH,
      interface: WATCHER,
      member: "RegisterStatusNotifierItem",
      signature: "s",
      body: [name],
    });
  await register();
  // A tray host that restarts (waybar reloaded) forgets its items; register again.
  const offOwner = await connection.onSignal(
    { interface: "org.freedesktop.DBus", member: "NameOwnerChanged", sender: "org.freedesktop.DBus" },
    (body) => {
      if (body[0] === WATCHER && body[2]) void register().catch(() => {});
    },
  );

  return {
    update(next, nextMenu) {
      const statusChanged = (next.attention ?? false) !== (state.attention ?? false);
      state = next;
      item.NewIcon();
      item.NewToolTip();
      if (statusChanged) item.NewStatus(item.Status);
      if (nextMenu) menu.update(nextMenu);
    },
    async close() {
      await offOwner();
      bus.unexport(ITEM_PATH, item);
      menu.unexport();
      await bus.releaseName(name).catch(() => {});
    },
  };
}
