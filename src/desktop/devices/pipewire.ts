import { z } from "zod";

// pw-dump prints every object in the graph; only nodes and links matter here, and
// their props vary by client, so everything else passes through untouched.
const Props = z.record(z.string(), z.unknown());
const PwObject = z.looseObject({
  id: z.number(),
  type: z.string(),
  info: z
    .looseObject({
      state: z.string().nullish(),
      props: Props.optional(),
      "output-node-id": z.number().optional(),
      "input-node-id": z.number().optional(),
    })
    .nullish(),
});
const PwDump = z.array(PwObject);

export interface CaptureStream {
  id: number;
  state: string;
  application: string;
  pid: number | undefined;
  binary: string | undefined;
  /** media.class of the nodes it is linked from: `Audio/Source` for a microphone. */
  from: string[];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

/** The audio capture streams in a `pw-dump` snapshot, with what each records from. */
export function parseCaptureStreams(json: string): CaptureStream[] {
  const objects = PwDump.parse(JSON.parse(json));
  const nodes = new Map<number, z.infer<typeof PwObject>>();
  const links: { from: number; to: number }[] = [];
  for (const object of objects) {
    if (object.type === "PipeWire:Interface:Node") nodes.set(object.id, object);
    else if (object.type === "PipeWire:Interface:Link") {
      const from = object.info?.["output-node-id"];
      const to = object.info?.["input-node-id"];
      if (from !== undefined && to !== undefined) links.push({ from, to });
    }
  }
  const streams: CaptureStream[] = [];
  for (const node of nodes.values()) {
    const props = node.info?.props ?? {};
    if (props["media.class"] !== "Stream/Input/Audio") continue;
    const pid = Number(props["application.process.id"]);
    const from = links
      .filter((link) => link.to === node.id)
      .map((link) => text(nodes.get(link.from)?.info?.props?.["media.class"]) ?? "?");
    streams.push({
      id: node.id,
      state: node.info?.state ?? "unknown",
      application: text(props["application.name"]) ?? text(props["node.name"]) ?? `node ${node.id}`,
      pid: Number.isFinite(pid) && pid > 0 ? pid : undefined,
      binary: text(props["application.process.binary"]),
      from: [...new Set(from)],
    });
  }
  return streams;
}
