/**
 * The V8 flags the daemon runs with: in the systemd unit, in `npm start` (package.json
 * repeats them; a test keeps the two equal) and in the benchmarks. Start-up (every
 * module's code, the config, first probes) is a burst of short-lived allocation that
 * grows V8's young generation to its 32 MB semi-spaces, and an idle daemon keeps that for
 * its whole life: over 20 MB of RSS. Its steady work (an MQTT message, a probe, a proxied
 * chunk) fits in 2 MB.
 */
export const DAEMON_NODE_FLAGS = ["--max-semi-space-size=2"] as const;
