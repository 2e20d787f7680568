import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { ExitCode, UserError } from "../../core/errors.ts";
import { type DbusConnection, isAbsent, unwrap } from "../dbus.ts";

const PORTAL = "org.freedesktop.portal.Desktop";
const PORTAL_PATH = "/org/freedesktop/portal/desktop";
const SHORTCUTS = "org.freedesktop.portal.GlobalShortcuts";
const REQUEST = "org.freedesktop.portal.Request";

export interface ShortcutSpec {
  id: string;
  description: string;
  /** A trigger in the XDG shortcuts format (e.g. `CTRL+space`); the desktop may ask the user. */
  preferredTrigger?: string;
}

export interface BoundShortcut {
  id: string;
  description: string;
  triggerDescription: string;
}

type Variant = { signature: string; value: unknown };

/**
 * The XDG desktop portal's GlobalShortcuts: the compositor (KDE, GNOME 48+, Hyprland)
 * owns the keys and tells us when one is pressed and released, which works on Wayland
 * without the input group. Flow per the portal spec: CreateSession, BindShortcuts,
 * then Activated / Deactivated signals on the session.
 */
export class PortalShortcuts extends EventEmitter<{ activated: [string]; deactivated: [string] }> {
  #bus: DbusConnection;
  #variant: new (
    signature: string,
    value: unknown,
  ) => Variant;
  #session: string | undefined;
  #unsubscribe: Array<() => Promise<void>> = [];

  constructor(bus: DbusConnection, variant: new (signature: string, value: unknown) => Variant) {
    super();
    this.#bus = bus;
    this.#variant = variant;
  }

  static async create(bus: DbusConnection): Promise<PortalShortcuts> {
    const { Variant } = await import("dbus-next");
    return new PortalShortcuts(bus, Variant as never);
  }

  #token(): string {
    return `deskhub_${randomBytes(6).toString("hex")}`;
  }

  /** The Request object path the portal will use, per the spec, so we listen before calling. */
  #requestPath(token: string): string {
    const sender = ((this.#bus.bus as unknown as { name: string | null }).name ?? "")
      .replace(/^:/, "")
      .replaceAll(".", "_");
    return `${PORTAL_PATH}/request/${sender}/${token}`;
  }

  async #request(
    member: string,
    signature: string,
    body: unknown[],
    token: string,
  ): Promise<Record<string, unknown>> {
    const path = this.#requestPath(token);
    let settle!: (results: [number, Record<string, unknown>]) => void;
    const response = new Promise<[number, Record<string, unknown>]>((resolve) => (settle = resolve));
    const off = await this.#bus.onSignal({ interface: REQUEST, member: "Response", path }, (reply) =>
      settle([reply[0] as number, (reply[1] as Record<string, unknown>) ?? {}]),
    );
    try {
      await this.#bus.call({
        destination: PORTAL,
        path: PORTAL_PATH,
        interface: SHORTCUTS,
        member,
        signature,
        body,
      });
      // The user may be asked to confirm the shortcuts in a dialog; give them time.
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new UserError(`the desktop portal did not answer ${member} in 120 s`)),
          120_000,
        ).unref(),
      );
      const [code, results] = await Promise.race([response, timeout]);
      if (code !== 0) {
        throw new UserError(
          `the desktop portal ${code === 1 ? "was cancelled by the user" : "refused"} ${member === "CreateSession" ? "the shortcut session" : "the shortcuts"}`,
          {
            code: ExitCode.unavailable,
            hint: "allow deskhub's shortcuts in the desktop's dialog or settings",
          },
        );
      }
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(results)) out[key] = unwrap(value);
      return out;
    } catch (error) {
      if (isAbsent(error)) {
        throw new UserError("the desktop portal has no GlobalShortcuts interface here", {
          code: ExitCode.unavailable,
          hint: "it needs xdg-desktop-portal 1.16+ with a backend that implements it (KDE, GNOME 48+, Hyprland); or bind `deskhub voice start` in the compositor",
        });
      }
      throw error;
    } finally {
      await off();
    }
  }

  /** Creates the session and binds the shortcuts; returns what the desktop bound them to. */
  async bind(shortcuts: readonly ShortcutSpec[]): Promise<BoundShortcut[]> {
    const V = this.#variant;
    const createToken = this.#token();
    const created = await this.#request(
      "CreateSession",
      "a{sv}",
      [{ handle_token: new V("s", createToken), session_handle_token: new V("s", this.#token()) }],
      createToken,
    );
    const session = String(created.session_handle ?? "");
    if (!session)
      throw new UserError("the desktop portal created no shortcut session", { code: ExitCode.unavailable });
    this.#session = session;
    for (const member of ["Activated", "Deactivated"] as const) {
      this.#unsubscribe.push(
        await this.#bus.onSignal({ interface: SHORTCUTS, member, path: PORTAL_PATH }, (body) => {
          if (body[0] !== this.#session) return;
          this.emit(member === "Activated" ? "activated" : "deactivated", String(body[1]));
        }),
      );
    }
    const specs = shortcuts.map((s) => [
      s.id,
      {
        description: new V("s", s.description),
        ...(s.preferredTrigger ? { preferred_trigger: new V("s", s.preferredTrigger) } : {}),
      },
    ]);
    const token = this.#token();
    const bound = await this.#request(
      "BindShortcuts",
      "oa(sa{sv})sa{sv}",
      [session, specs, "", { handle_token: new V("s", token) }],
      token,
    );
    const list = (bound.shortcuts as Array<[string, Record<string, unknown>]> | undefined) ?? [];
    return list.map(([id, props]) => ({
      id,
      description: String(unwrap(props.description) ?? ""),
      triggerDescription: String(unwrap(props.trigger_description) ?? ""),
    }));
  }

  async close(): Promise<void> {
    for (const off of this.#unsubscribe) await off();
    this.#unsubscribe = [];
    if (this.#session) {
      await this.#bus
        .call({
          destination: PORTAL,
          path: this.#session,
          interface: "org.freedesktop.portal.Session",
          member: "Close",
        })
        .catch(() => {});
      this.#session = undefined;
    }
  }
}
