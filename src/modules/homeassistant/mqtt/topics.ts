/**
 * Every MQTT topic the bridge uses. Topics carry the node id, so several desktops can
 * share one broker; an entity id (`presence.idle`) is one topic level of its own.
 */
export interface Topics {
  /** `deskhub/<node>` */
  base: string;
  availability: string;
  /** `homeassistant/device/<node>/config` */
  discovery: string;
  /** Where Home Assistant announces itself (its birth and will messages). */
  haStatus: string;
  state(id: string): string;
  attributes(id: string): string;
  /** Sets a controllable entity. */
  set(id: string): string;
  /** Runs a command that has no entity of its own. */
  run(id: string): string;
  subscriptions: readonly string[];
  parseCommand(topic: string): { action: "set" | "run"; id: string } | undefined;
}

export function makeTopics(options: {
  baseTopic: string;
  discoveryPrefix: string;
  /** Home Assistant's birth topic: its own setting, not derived from the discovery prefix. */
  statusTopic: string;
  nodeId: string;
}): Topics {
  const base = `${options.baseTopic.replace(/\/+$/, "")}/${options.nodeId}`;
  const prefix = options.discoveryPrefix.replace(/\/+$/, "");
  return {
    base,
    availability: `${base}/availability`,
    discovery: `${prefix}/device/${options.nodeId}/config`,
    haStatus: options.statusTopic,
    state: (id) => `${base}/${id}/state`,
    attributes: (id) => `${base}/${id}/attributes`,
    set: (id) => `${base}/${id}/set`,
    run: (id) => `${base}/${id}/run`,
    subscriptions: [`${base}/+/set`, `${base}/+/run`],
    parseCommand(topic) {
      if (!topic.startsWith(`${base}/`)) return undefined;
      const rest = topic.slice(base.length + 1).split("/");
      if (rest.length !== 2) return undefined;
      const [id, action] = rest as [string, string];
      return action === "set" || action === "run" ? { action, id } : undefined;
    },
  };
}
