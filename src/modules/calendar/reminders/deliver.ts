import { errorMessage } from "../../../core/errors.ts";
import type { Logger } from "../../../core/log.ts";
import type { Store } from "../../../core/store.ts";
import type { CalendarConfig } from "../config.ts";
import type { DueReminder } from "./schedule.ts";
import { reminderText } from "./text.ts";

/** The homeassistant module's store command for a service call ({ service, target?, data? }). */
const HA_CALL = "homeassistant.call";

/**
 * Delivers a reminder on every configured channel: a desktop notification and a Home
 * Assistant notify service (through the homeassistant module's store command, so this
 * module does not depend on it). Throws only when no channel worked.
 */
export function reminderDelivery(options: {
  config: CalendarConfig["reminders"];
  timeZone: string;
  store: Store;
  env: NodeJS.ProcessEnv;
  log: Logger;
  now: () => number;
}) {
  const { config, store, log } = options;
  return async (reminder: DueReminder, lateMs: number): Promise<void> => {
    const { summary, body } = reminderText(reminder.event, options.now(), options.timeZone);
    const failures: string[] = [];
    let delivered = 0;
    if (config.desktop) {
      try {
        const { notify } = await import("../../../desktop/notify.ts");
        await notify({
          summary,
          body,
          urgency: config.urgency,
          appName: "deskhub",
          icon: "x-office-calendar",
          env: options.env,
        });
        delivered++;
      } catch (error) {
        failures.push(`desktop: ${errorMessage(error)}`);
      }
    }
    if (config.homeassistant_service) {
      if (!store.commands().some((c) => c.id === HA_CALL)) {
        failures.push(
          "Home Assistant: no homeassistant.call command (is the homeassistant module enabled and connected?)",
        );
      } else {
        try {
          await store.run(
            HA_CALL,
            { service: config.homeassistant_service, data: { title: summary, message: body } },
            "daemon",
          );
          delivered++;
        } catch (error) {
          failures.push(`Home Assistant: ${errorMessage(error)}`);
        }
      }
    }
    if (failures.length) log.warn({ reminder: reminder.key, failures }, "a reminder channel failed");
    if (delivered === 0) throw new Error(failures.join("; ") || "no reminder channel is enabled");
    log.info({ reminder: reminder.key, late_ms: lateMs }, `reminder sent: ${summary}`);
  };
}
