import { z } from "zod";
import { duration } from "../../core/config/fields.ts";
import { MIC_BACKENDS } from "../../desktop/devices/microphone.ts";
import { IDLE_BACKENDS } from "../../desktop/idle/source.ts";

/** What the in-office rule can look at. */
export const SIGNALS = ["active", "webcam", "microphone", "network", "monitor", "unlocked"] as const;
export type Signal = (typeof SIGNALS)[number];

export const OVERRIDES = ["auto", "on", "off"] as const;
export type Override = (typeof OVERRIDES)[number];

const Argv = z.array(z.string().min(1));

const InOffice = z
  .strictObject({
    /** Signals that must all hold (e.g. `[network, monitor]`: at the office desk). */
    all: z.array(z.enum(SIGNALS)).default([]),
    /** Of these, at least one must hold (e.g. `[active, webcam]`: someone is there). */
    any: z.array(z.enum(SIGNALS)).default(["active", "webcam"]),
    /** The office network's router: its IP or MAC address. */
    gateways: z.array(z.string().min(1)).default([]),
    /** The office Wi-Fi network names. */
    ssids: z.array(z.string().min(1)).default([]),
    /** Office monitors: a connector (`DP-1`), or the monitor's EDID name or serial. */
    monitors: z.array(z.string().min(1)).default([]),
    /** How often network and monitors are looked at. */
    check_interval: duration().default(10),
  })
  .superRefine((rule, issues) => {
    const used = new Set([...rule.all, ...rule.any]);
    if (used.size === 0) {
      issues.addIssue({
        code: "custom",
        path: ["any"],
        message: "the rule needs at least one signal in `all` or `any`",
      });
    }
    if (used.has("network") && rule.gateways.length === 0 && rule.ssids.length === 0) {
      issues.addIssue({
        code: "custom",
        path: ["gateways"],
        message:
          "the `network` signal needs `gateways` (router IP or MAC) or `ssids` to recognise the office network",
      });
    }
    if (used.has("monitor") && rule.monitors.length === 0) {
      issues.addIssue({
        code: "custom",
        path: ["monitors"],
        message: "the `monitor` signal needs `monitors` (a connector such as DP-1, or the monitor's name)",
      });
    }
  });

// Nested sections are strict themselves: the loader only makes the top level strict,
// and a typo such as `treshold` must not be ignored silently.
export const PresenceConfig = z.object({
  idle: z
    .strictObject({
      /** `auto` takes the first source that works: mutter, screensaver, swayidle, hooks, x11, logind. */
      backend: z.enum(["auto", ...IDLE_BACKENDS]).default("auto"),
      /** Idle after this long without keyboard or mouse input. */
      threshold: duration().default(300),
      poll_interval: duration().default(2),
    })
    .prefault({}),
  webcam: z
    .strictObject({
      enabled: z.boolean().default(true),
      devices: z.array(z.string().min(1)).default(["/dev/video*"]),
      /** PipeWire and WirePlumber keep cameras open to watch them; their handles do not count. */
      ignore_processes: z.array(z.string().min(1)).default(["pipewire", "wireplumber"]),
      /** A change must hold this long (a browser opens every camera briefly to list them). */
      debounce: duration().default(2),
      // A /proc scan costs a few ms on a busy desktop; skipped while a UVC camera sleeps.
      scan_interval: duration().default(5),
    })
    .prefault({}),
  microphone: z
    .strictObject({
      enabled: z.boolean().default(true),
      backend: z.enum(["auto", ...MIC_BACKENDS]).default("auto"),
      /** Level meters and effects record all the time without anyone speaking. */
      ignore_applications: z.array(z.string().min(1)).default(["pavucontrol", "easyeffects", "cava"]),
      poll_interval: duration().default(5),
    })
    .prefault({}),
  in_office: InOffice.prefault({}),
  system: z
    .strictObject({
      interval: duration().default(30),
      /** One disk-usage sensor per mount point. */
      disks: z.array(z.string().regex(/^\//, "an absolute mount point such as / or /home")).default(["/"]),
      /** The focused window's title goes to Home Assistant; off keeps it private. */
      active_window: z.boolean().default(true),
      window_interval: duration().default(5),
    })
    .prefault({}),
  actions: z
    .strictObject({
      /** Wins over the built-in chain: `[swaylock, -f]`, `[hyprlock]`. */
      lock_command: Argv.default([]),
      suspend_command: Argv.default([]),
      /**
       * How long to hold off sleep once offline has reached the broker (the bridge says
       * when), so Home Assistant, a hop further, has it too.
       */
      suspend_grace: duration().default(1),
    })
    .prefault({}),
  /** Seconds after which Home Assistant shows a silent presence sensor as unavailable. */
  expire_after: duration().default(300),
});
export type PresenceConfig = z.output<typeof PresenceConfig>;
