import { type DbusConnection, type DesktopBuses, isAbsent } from "../dbus.ts";
import { type IdleReading, type IdleSource, SourceUnavailable } from "./source.ts";

const NAME = "org.gnome.Mutter.IdleMonitor";
const CALL = {
  destination: NAME,
  path: "/org/gnome/Mutter/IdleMonitor/Core",
  interface: "org.gnome.Mutter.IdleMonitor",
  member: "GetIdletime",
};

/** GNOME (X11 and Wayland): the compositor's own idle counter, in milliseconds. */
export class MutterIdle implements IdleSource {
  readonly name = "mutter" as const;
  #buses: DesktopBuses;
  #bus: DbusConnection | undefined;

  constructor(buses: DesktopBuses) {
    this.#buses = buses;
  }

  async open(): Promise<void> {
    this.#bus = await this.#buses.session();
    try {
      await this.read();
    } catch (error) {
      if (isAbsent(error)) throw new SourceUnavailable(`${NAME} is not on the session bus (not GNOME)`);
      throw error;
    }
  }

  async read(): Promise<IdleReading> {
    const bus = this.#bus ?? (await this.#buses.session());
    const [ms] = await bus.call(CALL);
    return { idleMs: Number(ms) };
  }

  async close(): Promise<void> {
    this.#bus = undefined;
  }
}
