import { z } from "zod";
import { DaemonClient } from "../../../core/control/client.ts";
import type { CliApp } from "../../../core/module.ts";
import { resolvePaths } from "../../../core/paths.ts";
import type { VoiceConfig } from "../config.ts";
import { ENTITY } from "../status.ts";

const EntityLine = z.looseObject({
  id: z.string(),
  value: z.unknown(),
  attributes: z.record(z.string(), z.unknown()).default({}),
});

const History = z.array(
  z.looseObject({ text: z.string(), at: z.string().optional(), backend: z.string().optional() }),
);

/** `deskhub voice status`: the voice entities as the daemon has them now. */
export async function runStatus(app: CliApp<VoiceConfig>, json: boolean): Promise<void> {
  const client = await DaemonClient.connect(resolvePaths(process.env));
  let entities: z.output<typeof EntityLine>[];
  try {
    entities = z.array(EntityLine).parse(await client.call("entities"));
  } finally {
    client.close();
  }
  const voice = entities.filter((e) => e.id.startsWith("voice."));
  if (json) return app.output.json(voice);
  const get = (id: string) => voice.find((e) => e.id === id);
  const status = get(ENTITY.status);
  if (!status) {
    app.output.line("the voice module is not running in the daemon (is it enabled?)");
    return;
  }
  const message = status.attributes.message ? ` (${String(status.attributes.message)})` : "";
  app.output.line(`status:     ${String(status.value)}${message}`);
  app.output.line(`level:      ${String(get(ENTITY.level)?.value ?? 0)}%`);
  const trigger = get(ENTITY.trigger);
  app.output.line(
    `trigger:    ${String(trigger?.value ?? "?")}${trigger?.attributes.detail ? ` — ${String(trigger.attributes.detail)}` : ""}`,
  );
  app.output.line(
    `recogniser: ${String(get(ENTITY.stt)?.value ?? get(ENTITY.stt)?.attributes.error ?? "not chosen yet")}`,
  );
  const history = History.safeParse(get(ENTITY.transcript)?.attributes.history);
  if (history.success && history.data.length) {
    app.output.line("last transcripts:");
    for (const entry of history.data) app.output.line(`  ${entry.at ?? ""}  ${entry.text}`);
  }
}
