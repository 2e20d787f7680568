import { z } from "zod";
import { duration, port, secretString } from "../../core/config/fields.ts";

/** `8MB`, `512k`, `1048576`: a size in bytes. */
function bytes() {
  return z.union([
    z.number().int().positive(),
    z
      .string()
      .regex(/^\d+(\.\d+)?\s*(b|k|kb|m|mb|g|gb)?$/i, "a size such as 512k, 8MB or 1GB")
      .transform((text) => {
        const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text)!;
        const unit = (match[2] ?? "").toLowerCase().replace(/b$/, "");
        const factor = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit] ?? 1;
        return Math.round(Number(match[1]) * factor);
      }),
  ]);
}

/** A category written as its id, its exact name (any case) or `/regex/flags` on the name. */
const CategoryPattern = z
  .union([z.string().min(1), z.number().transform(String)])
  .superRefine((value, ctx) => {
    const regex = /^\/(.+)\/([a-z]*)$/.exec(value);
    if (!regex) return;
    try {
      new RegExp(regex[1]!, regex[2]);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `not a valid regular expression: ${(error as Error).message}`,
      });
    }
  });

/** A stream-name regex; case-insensitive unless written as `/regex/flags`. */
const NamePattern = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const regex = /^\/(.+)\/([a-z]*)$/.exec(value);
    try {
      if (regex) new RegExp(regex[1]!, regex[2]);
      else new RegExp(value, "i");
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `not a valid regular expression: ${(error as Error).message}`,
      });
    }
  });

const SectionFilter = z.strictObject({
  /** Off hides the whole section (no movies on the guest screen). */
  enabled: z.boolean().default(true),
  /** Only these categories (all when empty). */
  include_categories: z.array(CategoryPattern).default([]),
  exclude_categories: z.array(CategoryPattern).default([]),
  /** Streams whose name matches any of these are hidden. */
  exclude_streams: z.array(NamePattern).default([]),
  /** Category id or name to the name clients see. */
  rename_categories: z.record(z.string(), z.string().min(1)).default({}),
  /** These categories first, in this order; the rest keep the provider's order. */
  category_order: z.array(CategoryPattern).default([]),
});

export const ProfileSchema = z.strictObject({
  /** Hides streams the provider marks adult and categories named like it (XXX, Adult, 18+). */
  hide_adult: z.boolean().default(false),
  live: SectionFilter.prefault({}),
  vod: SectionFilter.prefault({}),
  series: SectionFilter.prefault({}),
});

const Username = z
  .string()
  .regex(/^[A-Za-z0-9._@-]{1,64}$/, "letters, digits and . _ @ - (it goes into URLs)");

const UserSchema = z.strictObject({
  password: secretString(),
  profile: z.string().default("full"),
  /** Streams this person may watch at once, on any device. */
  max_streams: z.number().int().min(1).default(2),
  /** The person's own upstream line; without it the main account carries their streams. */
  stream_username: z.string().min(1).optional(),
  stream_password: secretString().optional(),
  /** The line's connection limit; default: what the provider reports for it. */
  stream_max_connections: z.number().int().min(1).optional(),
});

const ListenerSchema = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().default("127.0.0.1"),
  port: port().optional(),
  /** Default: the profile named like the listener. */
  profile: z.string().optional(),
  /** The address clients use when it is not the one they connect to (a reverse proxy). */
  public_url: z.url({ protocol: /^https?$/ }).optional(),
});

const DEFAULT_PORTS: Record<string, number> = { full: 8080, mini: 7070 };

const Listeners = z
  .record(z.string().regex(/^[a-z][a-z0-9_]*$/, "lowercase letters, digits and _"), ListenerSchema)
  .default({})
  .transform((given, ctx) => {
    const all: Record<string, z.output<typeof ListenerSchema>> = {
      full: { enabled: true, host: "127.0.0.1" },
      mini: { enabled: true, host: "127.0.0.1" },
      ...given,
    };
    const out: Record<string, ResolvedListener> = {};
    for (const [name, listener] of Object.entries(all)) {
      const listenPort = listener.port ?? DEFAULT_PORTS[name];
      if (listenPort === undefined) {
        ctx.addIssue({ code: "custom", path: [name, "port"], message: "a listener needs a port" });
        continue;
      }
      out[name] = { ...listener, port: listenPort, profile: listener.profile ?? name };
    }
    return out;
  });

export interface ResolvedListener {
  enabled: boolean;
  host: string;
  port: number;
  profile: string;
  public_url?: string | undefined;
}

/** The profiles every install has; a profile of the same name in the file replaces one. */
export const BUILTIN_PROFILES = {
  full: {},
  mini: { hide_adult: true, vod: { enabled: false }, series: { enabled: false } },
} as const;

const Upstream = z.strictObject({
  /** `http://provider:8080`; a bare `host:port` means http. */
  server: z
    .string()
    .transform((text) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`))
    .pipe(z.url({ protocol: /^https?$/, error: "an http(s) address such as http://provider.example:8080" }))
    .transform((text) => text.replace(/\/+$/, ""))
    .optional(),
  username: z.string().min(1).optional(),
  /** Better kept in secrets (UPSTREAM_PASSWORD, a SOPS file); this is the fallback. */
  password: secretString().optional(),
  /** The main line's connection limit; default: what the provider reports. */
  max_connections: z.number().int().min(1).optional(),
  /** How long to wait for the provider to start answering. */
  timeout: duration().default(10),
  /** Sent to the provider; default: the client's own User-Agent. */
  user_agent: z.string().optional(),
});

export const IptvConfig = z.object({
  upstream: Upstream.prefault({}),
  users: z.record(Username, UserSchema).default({}),
  profiles: z
    .record(z.string().regex(/^[a-z][a-z0-9_-]*$/, "lowercase letters, digits, - and _"), ProfileSchema)
    .default({}),
  listeners: Listeners,
  catalogue: z
    .strictObject({
      /** How old the cached channel and VOD lists may get before a refresh in the background. */
      ttl: duration().prefault("6h"),
      /** The same for the provider's XMLTV guide. */
      epg_ttl: duration().prefault("12h"),
      /** Movie and series details, short EPG. */
      info_ttl: duration().prefault("1d"),
    })
    .prefault({}),
  streams: z
    .strictObject({
      /** How long a new stream may wait for a slot freed by a channel switch. */
      switch_grace: duration().default(2),
      /** Viewers of one live channel on one line share one upstream connection. */
      share_live: z.boolean().default(true),
      /** A viewer of a shared channel this far behind the others for a second (or 8 times as far) is dropped. */
      slow_viewer_buffer: bytes().default(8 * 1024 * 1024),
      /** A stream whose provider sends nothing for this long is ended. */
      idle_timeout: duration().default(30),
      /** An HLS viewer that fetches nothing for this long no longer holds a connection. */
      hls_idle: duration().default(30),
    })
    .prefault({}),
  security: z
    .strictObject({
      /** How long HLS segment links stay valid. */
      token_ttl: duration().prefault("12h"),
      /** Failed logins from one address before answers slow down. */
      failed_login_free: z.number().int().min(0).default(3),
      /** The longest an answer to an address with failed logins is held back. */
      failed_login_max_delay: duration().default(10),
    })
    .prefault({}),
  /** Key for signing stream tokens; instances behind one balancer share it. Default: generated and kept. */
  token_key: secretString().optional(),
});

export type IptvConfig = z.output<typeof IptvConfig>;
export type Profile = z.output<typeof ProfileSchema>;
export type SectionFilterConfig = z.output<typeof SectionFilter>;
export type UserConfig = z.output<typeof UserSchema>;
