import { type DbusConnection, type DesktopBuses, isAbsent } from "../dbus.ts";
import { type IdleReading, type IdleSource, SourceUnavailable } from "./source.ts";

const NAME = "org.freedesktop.ScreenSaver";
// KDE exports the interface on both paths; other implementations only on one of them.
const PATHS = ["/org/freedesktop/ScreenSaver", "/ScreenSaver"] as const;

/**
 * org.freedesktop.ScreenSaver.GetSessionIdleTime, as KDE Plasma implements it
 * (milliseconds). GNOME Shell owns the name too but refuses this method, so GNOME
 * falls through to Mutter above it in the chain.
 */
export class ScreenSaverIdle implements IdleSource {
  readonly name = "screensaver" as const;
  #buses: DesktopBuses;
  #bus: DbusConnection | undefined;
  #path: string = PATHS[0];

  constructor(buses: DesktopBuses) {
    this.#buses = buses;
  }

  async open(): Promise<void> {
    this.#bus = await this.#buses.session();
    let last: unknown;
    for (const path of PATHS) {
      this.#path = path;
      try {
        await this.read();
        return;
      } catch (error) {
        if (!isAbsent(error)) throw error;
        last = error;
      }
    }
    throw new SourceUnavailable(`${NAME}.GetSessionIdleTime is not available: ${(last as Error).message}`);
  }

  async read(): Promise<IdleReading> {
    const bus = this.#bus ?? (await this.#buses.session());
    const [ms] = await bus.call({
      destination: NAME,
      path: this.#path,
      interface: NAME,
      member: "GetSessionIdleTime",
    });
    return { idleMs: Number(ms) };
  }

  async close(): Promise<void> {
    this.#bus = undefined;
  }
}
