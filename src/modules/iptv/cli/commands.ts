import type { Command } from "commander";
import type { CliApp } from "../../../core/module.ts";
import type { IptvConfig } from "../config.ts";

/** `deskhub iptv ...`; each action loads what it needs only when it runs. */
export function registerIptvCommands(cli: Command, app: CliApp<IptvConfig>): void {
  cli
    .command("serve")
    .description("run the IPTV proxy in the foreground, without the rest of the daemon")
    .addHelpText(
      "after",
      "\nListens on the configured listeners (full on 127.0.0.1:8080, mini on 127.0.0.1:7070 by default)\nuntil Ctrl-C. Set DESKHUB_LOG_LEVEL=info to see streams start and stop.\nExample:\n  deskhub iptv serve",
    )
    .action(async () => (await import("./actions.ts")).serve(app));

  cli
    .command("users")
    .description("the proxy's users: profile, stream limit, upstream line, streams now")
    .option("--json", "print JSON")
    .addHelpText("after", "\nPasswords are never shown.\nExample:\n  deskhub iptv users --json")
    .action(async (options: { json?: boolean }) => (await import("./actions.ts")).users(app, options));

  cli
    .command("sessions")
    .description("who is watching what right now, and each upstream line's connections")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExits 69 when no proxy is running.\nExample:\n  deskhub iptv sessions")
    .action(async (options: { json?: boolean }) => (await import("./actions.ts")).sessions(app, options));

  cli
    .command("refresh")
    .description("fetch the channel, movie and series lists and the line limits from the provider now")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nA running proxy uses the new lists at once. If the provider is down the cached lists stay.\nExample:\n  deskhub iptv refresh",
    )
    .action(async (options: { json?: boolean }) => (await import("./actions.ts")).refresh(app, options));

  cli
    .command("m3u")
    .description("print a user's M3U playlist, as get.php serves it, to standard output")
    .requiredOption("--user <name>", "the proxy user whose playlist it is")
    .option("--listener <name>", "the listener whose address and profile the links use", "full")
    .option("--type <type>", "m3u_plus (with groups, logos and EPG ids) or m3u", "m3u_plus")
    .option("--output <format>", "live streams as ts or m3u8 (HLS)", "ts")
    .option("--json", "print the entries as JSON instead")
    .addHelpText(
      "after",
      "\nThe links carry the user's own password, as an Xtream playlist does.\nExample:\n  deskhub iptv m3u --user alice > alice.m3u",
    )
    .action(
      async (options: { user: string; listener: string; type: string; output: string; json?: boolean }) =>
        (await import("./actions.ts")).m3u(app, options),
    );
}
