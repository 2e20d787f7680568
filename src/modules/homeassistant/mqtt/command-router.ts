import { errorMessage } from "../../../core/errors.ts";
import type { Logger } from "../../../core/log.ts";
import type { Entity, Store } from "../../../core/store.ts";
import { platformOf } from "../discovery/components.ts";
import type { Exposure } from "../discovery/exposure.ts";
import { commandArgs, entityCommandArgs, MAX_PAYLOAD_BYTES, type Parsed } from "./command-payload.ts";
import type { Topics } from "./topics.ts";

/**
 * Turns what Home Assistant publishes on a command topic into a store command, or
 * refuses it: only entities and commands the bridge offered are reachable, and only
 * with a payload their kind allows. Every refusal is logged.
 */
export class CommandRouter {
  #store: Store;
  #exposure: Exposure;
  #topics: Topics;
  #log: Logger;
  #ran: (entity: Entity) => void;

  constructor(options: {
    store: Store;
    exposure: Exposure;
    topics: Topics;
    log: Logger;
    /** Called after an entity's command ran or failed, to publish its true state. */
    ran: (entity: Entity) => void;
  }) {
    this.#store = options.store;
    this.#exposure = options.exposure;
    this.#topics = options.topics;
    this.#log = options.log;
    this.#ran = options.ran;
  }

  /**
   * `retained` is the flag a broker sets on what it replays to a new subscription: a
   * command someone published with retain would otherwise run again on every
   * reconnect (a suspend button pressed once, suspending at every boot).
   */
  async handle(topic: string, raw: Buffer, retained = false): Promise<void> {
    const target = this.#topics.parseCommand(topic);
    if (!target) return this.#refuse(topic, "not a command topic");
    if (retained) {
      return this.#refuse(
        topic,
        "a retained message the broker replayed, not a command sent now (publish commands without retain)",
      );
    }
    if (raw.length > MAX_PAYLOAD_BYTES) return this.#refuse(topic, `payload over ${MAX_PAYLOAD_BYTES} bytes`);
    const payload = raw.toString("utf8");
    let commandId: string;
    let parsed: Parsed;
    let entity: Entity | undefined;
    if (target.action === "set") {
      entity = this.#exposure.entity(this.#store, target.id);
      const platform = entity && platformOf(entity);
      if (!entity?.command || !platform) return this.#refuse(topic, `no controllable entity ${target.id}`);
      commandId = entity.command;
      parsed = entityCommandArgs(entity, platform, payload);
    } else {
      const command = this.#exposure.command(this.#store, target.id);
      if (!command) return this.#refuse(topic, `no command ${target.id} offered to Home Assistant`);
      commandId = command.def.id;
      parsed = commandArgs(command.how, payload);
    }
    if (!parsed.ok) return this.#refuse(topic, `bad payload: ${parsed.error}`);
    try {
      await this.#store.run(commandId, parsed.args, "homeassistant");
      this.#log.info({ command: commandId, topic }, "ran a command from Home Assistant");
    } catch (error) {
      this.#log.warn(
        { command: commandId, topic, err: errorMessage(error) },
        "a command from Home Assistant failed",
      );
    } finally {
      if (entity) this.#ran(entity);
    }
  }

  #refuse(topic: string, reason: string): void {
    this.#log.warn({ topic, reason }, "refused a command from MQTT");
  }
}
