import { readFile } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomic } from "../../../core/atomic.ts";
import type { Component, Platform } from "./components.ts";

const PLATFORMS = ["sensor", "binary_sensor", "switch", "button", "text", "select", "number"] as const;

const AnnouncedComponent = z.object({
  /** The deskhub entity or command behind it; its module decides when it may be deleted. */
  id: z.string(),
  p: z.enum(PLATFORMS),
  /** Retained topics the component reads (state, attributes), cleared when it goes. */
  topics: z.array(z.string()),
});
export type AnnouncedComponent = z.output<typeof AnnouncedComponent>;

const Memory = z.object({
  discovery_topic: z.string(),
  availability_topic: z.string(),
  components: z.record(z.string(), AnnouncedComponent),
});
type Memory = z.output<typeof Memory>;

/** What Home Assistant is told a component is, in the shape that is remembered. */
export function announcedComponent(id: string, component: Component): AnnouncedComponent {
  const topics = [component.stat_t, component.json_attr_t].filter((t): t is string => typeof t === "string");
  return { id, p: component.p as Platform, topics };
}

export interface Changes {
  /** Announced before, gone now: Home Assistant must be told to delete them. */
  removed: Map<string, Platform>;
  /** What stays announced: the current components and those still awaited. */
  announced: Map<string, AnnouncedComponent>;
  /** Retained topics nothing reads any more. */
  unused: Set<string>;
  /** How many of `announced` are missing now, awaiting their module. */
  awaited: number;
}

/**
 * The components this machine has announced to Home Assistant, kept across restarts in
 * a file. Home Assistant keeps a component that a later discovery message merely leaves
 * out, showing its last retained state as if it were current; only this record lets a
 * restarted daemon tell it which components are gone. A missing or unreadable file
 * means nothing to delete.
 */
export class Announcements {
  #file: string | undefined;
  #discoveryTopic: string;
  #availabilityTopic: string;
  #components = new Map<string, AnnouncedComponent>();
  #saved: string | undefined;
  #leftovers: string[] = [];
  /** Announced components missing now whose module has not settled yet. */
  awaited = 0;

  constructor(options: { file?: string; discoveryTopic: string; availabilityTopic: string }) {
    this.#file = options.file;
    this.#discoveryTopic = options.discoveryTopic;
    this.#availabilityTopic = options.availabilityTopic;
  }

  /** Reads what an earlier run announced. */
  async recall(): Promise<void> {
    const remembered = this.#file ? await load(this.#file) : undefined;
    if (!remembered) return;
    this.#saved = JSON.stringify(remembered);
    if (remembered.discovery_topic === this.#discoveryTopic) {
      this.#components = new Map(Object.entries(remembered.components));
      if (remembered.availability_topic !== this.#availabilityTopic)
        this.#leftovers = [remembered.availability_topic];
      return;
    }
    // Another discovery prefix: an empty config there deletes that device.
    this.#leftovers = [
      remembered.discovery_topic,
      remembered.availability_topic,
      ...Object.values(remembered.components).flatMap((c) => c.topics),
    ];
  }

  /** Retained topics of an earlier run under other names, to empty once. */
  leftovers(): readonly string[] {
    return this.#leftovers;
  }

  leftoversCleared(): void {
    this.#leftovers = [];
  }

  /**
   * What changes when `current` is announced. A component missing now is deleted only
   * when `settled` says its module has defined everything it will.
   */
  changes(current: Map<string, AnnouncedComponent>, settled: (id: string) => boolean): Changes {
    const removed = new Map<string, Platform>();
    const announced = new Map(current);
    for (const [key, c] of this.#components) {
      if (current.has(key)) continue;
      if (settled(c.id)) removed.set(key, c.p);
      else announced.set(key, c);
    }
    const inUse = new Set([...announced.values()].flatMap((c) => c.topics));
    const unused = new Set(
      [...this.#components.values()].flatMap((c) => c.topics).filter((t) => !inUse.has(t)),
    );
    return { removed, announced, unused, awaited: announced.size - current.size };
  }

  /** Takes the announcement as made, and writes it down when it differs from the file. */
  async commit(changes: Changes): Promise<void> {
    this.#components = changes.announced;
    this.awaited = changes.awaited;
    if (!this.#file) return;
    const record: Memory = {
      discovery_topic: this.#discoveryTopic,
      availability_topic: this.#availabilityTopic,
      components: Object.fromEntries(this.#components),
    };
    const text = JSON.stringify(record);
    if (text === this.#saved) return;
    await writeFileAtomic(this.#file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    this.#saved = text;
  }
}

async function load(file: string): Promise<Memory | undefined> {
  try {
    const parsed = Memory.safeParse(JSON.parse(await readFile(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
