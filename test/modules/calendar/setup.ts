import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { CalendarConfig } from "../../../src/modules/calendar/config.ts";
import type { Sandbox } from "../../helpers/sandbox.ts";

/** Writes config.yaml with a calendar section (and nothing else running). */
export function writeConfig(
  sandbox: Sandbox,
  calendar: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): void {
  mkdirSync(sandbox.configDir, { recursive: true });
  writeFileSync(join(sandbox.configDir, "config.yaml"), stringify({ calendar, ...extra }));
}

/** The calendar section as the module sees it after the loader's defaults. */
export function calendarConfig(section: Record<string, unknown>): CalendarConfig {
  return CalendarConfig.parse(section);
}
