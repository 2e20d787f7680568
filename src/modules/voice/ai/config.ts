import { z } from "zod";

/** The assistant backends; the same values as the voice section's `ai_mode`. */
export const AI_MODES = ["claude", "anthropic", "realtime"] as const;
export type AiMode = (typeof AI_MODES)[number];

export const TOOL_NAMES = [
  "run_command",
  "read_file",
  "write_file",
  "ask_claude",
  "remember",
  "recall",
  "home_assistant",
  "player",
  "calendar",
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export const DECISIONS = ["allow", "confirm", "deny"] as const;
export type PolicyDecision = (typeof DECISIONS)[number];

/** Claude Code's permission modes (`--permission-mode`). */
export const CLAUDE_PERMISSION_MODES = ["default", "acceptEdits", "plan", "bypassPermissions"] as const;

const decision = (fallback: PolicyDecision) => z.enum(DECISIONS).default(fallback);

/**
 * One allowed command prefix: `"git status"` allows `git status -s` but not `git push`.
 * `shell: true` lets commands with this prefix use pipes and redirections (`/bin/sh -c`).
 */
const AllowedCommand = z.union([
  z.string().min(1),
  z.object({
    prefix: z.string().min(1),
    shell: z.boolean().default(false),
    /** Overrides run_command.timeout_seconds for this prefix. */
    timeout_seconds: z.number().positive().optional(),
  }),
]);

/** The AI part of the voice section: `voice.ai` in config.yaml (ai_mode stays at `voice.ai_mode`). */
export const AiConfig = z.object({
  /** Extra instructions for every backend, after deskhub's own (short spoken answers, tools). */
  instructions: z.string().optional(),
  /** Seconds to listen, without the key, for a follow-up after an answer that ends in a question; 0 = off. */
  follow_up_seconds: z.number().min(0).max(30).default(4),
  /** A sentence still waiting for its next word is spoken after this long without new text. */
  sentence_flush_ms: z.number().int().min(50).max(5000).default(600),
  claude: z
    .object({
      binary: z.string().default("claude"),
      /** Where the CLI keeps its conversation (`-c` continues it); default $XDG_DATA_HOME/deskhub/claude-session. */
      session_dir: z.string().optional(),
      /** default: asks before edits, which in -p mode means edits are refused. */
      permission_mode: z.enum(CLAUDE_PERMISSION_MODES).default("default"),
      /** Tools Claude Code may use without asking, e.g. `Read`, `Grep`, `Bash(git log:*)`. */
      allowed_tools: z.array(z.string().min(1)).default(["Read", "Grep", "Glob", "WebSearch", "WebFetch"]),
      disallowed_tools: z.array(z.string().min(1)).default([]),
      model: z.string().optional(),
      /** Token-by-token events (`--include-partial-messages`), so speech starts mid-answer. */
      partial_messages: z.boolean().default(true),
      timeout_seconds: z.number().positive().default(300),
    })
    .prefault({}),
  anthropic: z
    .object({
      model: z.string().default("claude-haiku-4-5"),
      max_tokens: z.number().int().positive().default(1024),
      /** Another endpoint speaking the Messages API; default ANTHROPIC_BASE_URL, then api.anthropic.com. */
      base_url: z.string().url().optional(),
      /** Tool calls the model may chain in one answer before deskhub stops it. */
      max_tool_rounds: z.number().int().min(1).max(50).default(8),
      /** Earlier questions and answers sent along, for follow-ups. */
      history_turns: z.number().int().min(0).max(100).default(10),
      timeout_seconds: z.number().positive().default(120),
    })
    .prefault({}),
  realtime: z
    .object({
      model: z.string().default("gpt-realtime"),
      voice: z.string().default("marin"),
      /** An OpenAI-compatible endpoint; the WebSocket goes to wss://<host>/<path>/realtime. */
      base_url: z.string().url().optional(),
      /** The connection stays open this long after a turn, so a quick next question starts at once. */
      keep_open_seconds: z.number().min(0).default(120),
    })
    .prefault({}),
  /** allow: run at once; confirm: ask with a desktop notification first; deny: never. */
  tools: z
    .object({
      run_command: decision("confirm"),
      read_file: decision("allow"),
      write_file: decision("confirm"),
      ask_claude: decision("allow"),
      remember: decision("allow"),
      recall: decision("allow"),
      home_assistant: decision("allow"),
      player: decision("allow"),
      calendar: decision("allow"),
    })
    .prefault({}),
  run_command: z
    .object({
      /** Command prefixes the model may run; anything else is refused. Empty: run_command refuses all. */
      allow: z
        .array(AllowedCommand)
        .default(["date", "uptime", "df -h", "free -h", "uname", "ls", "cal", "git status", "git log"]),
      timeout_seconds: z.number().positive().default(30),
      /** Bytes of output kept from stdout and stderr each; the rest is cut. */
      output_limit: z.number().int().min(256).default(16_384),
      /** Working directory; default HOME. */
      cwd: z.string().optional(),
    })
    .prefault({}),
  files: z
    .object({
      /** read_file may read only under these directories (after symlinks and `..` are resolved). */
      read_roots: z.array(z.string().min(1)).default(["~"]),
      /** write_file may write only under these. */
      write_roots: z.array(z.string().min(1)).default(["~/Documents"]),
      /**
       * Never read or written, even under a root: keys, tokens and password stores. The
       * key files of deskhub's own secrets are denied as well, whatever this list says.
       */
      deny: z
        .array(z.string().min(1))
        .default([
          "~/.ssh",
          "~/.gnupg",
          "~/.aws",
          "~/.kube",
          "~/.docker/config.json",
          "~/.netrc",
          "~/.git-credentials",
          "~/.config/gh",
          "~/.password-store",
          "~/.config/openai",
          "~/.openai",
          "~/.config/anthropic",
          "~/.local/share/keyrings",
          "~/.config/sops",
          "~/.claude.json",
          "~/.claude/.credentials.json",
        ]),
      max_read_bytes: z.number().int().min(1024).default(65_536),
      max_write_bytes: z.number().int().min(1024).default(1_048_576),
    })
    .prefault({}),
  home_assistant: z
    .object({
      /** Service domains that always ask first, whatever tools.home_assistant says. */
      confirm_domains: z.array(z.string().min(1)).default(["lock", "alarm_control_panel", "cover"]),
    })
    .prefault({}),
  /** How long a confirmation notification waits; no answer is no. */
  confirm_timeout_seconds: z.number().positive().default(20),
  /** Also ask out loud and accept a spoken yes or no (the notification still works). */
  confirm_by_voice: z.boolean().default(true),
  audit: z
    .object({
      /** Audit entries older than this are deleted. */
      retention_days: z.number().int().min(1).default(30),
      /** How many recent calls the `voice.ai_audit` entity (and the dashboard) shows. */
      recent: z.number().int().min(1).max(100).default(20),
    })
    .prefault({}),
  memory: z
    .object({
      /** The old assistant's memory file, imported once when it exists. */
      import_file: z.string().default("~/.local/share/push-to-talk/memory.json"),
      /** How many memories recall returns at most. */
      recall_limit: z.number().int().min(1).max(50).default(5),
    })
    .prefault({}),
});

export type AiConfig = z.output<typeof AiConfig>;
export type AllowedCommand = z.output<typeof AllowedCommand>;

export const ANTHROPIC_SECRET = "anthropic_api_key";
export const OPENAI_SECRET = "openai_api_key";
