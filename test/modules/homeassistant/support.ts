import { Writable } from "node:stream";
import mqtt, { type MqttClient } from "mqtt";
import pino, { type Logger } from "pino";
import { waitFor } from "../../helpers/sandbox.ts";

/** A logger whose lines the test can read back. */
export function captureLog(): { log: Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: "debug", base: undefined }, sink), lines: () => lines };
}

/**
 * The recorder's clock, in fractional milliseconds. A test marks "from now on" with it:
 * with Date.now() a message received a moment earlier in the same millisecond would
 * count as new.
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  at: number;
}

/** A plain MQTT client that records what it hears, like Home Assistant's side of the broker. */
export interface Recorder {
  client: MqttClient;
  messages: Received[];
  /** The newest message on a topic, if any. */
  last(topic: string): Received | undefined;
  /** Waits for a message received from `since` (see `now()`) on the topic that passes the test. */
  next(
    topic: string,
    test?: (payload: string) => boolean,
    options?: { since?: number; timeout?: number },
  ): Promise<Received>;
  publish(topic: string, payload: string, options?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
  clear(): void;
  close(): Promise<void>;
}

export async function record(url: string, topics: string[]): Promise<Recorder> {
  const client = await mqtt.connectAsync(url, {
    reconnectPeriod: 200,
    clientId: `test_${Math.random().toString(16).slice(2)}`,
  });
  const messages: Received[] = [];
  client.on("message", (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString(), retain: packet.retain, at: now() });
  });
  // A broker restart drops subscriptions of a clean session; the recorder keeps listening.
  client.on("connect", () => void client.subscribeAsync(topics, { qos: 1 }).catch(() => {}));
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    client,
    messages,
    last: (topic) => messages.findLast((m) => m.topic === topic),
    next: (topic, test = () => true, options = {}) =>
      waitFor(
        () => messages.find((m) => m.topic === topic && m.at >= (options.since ?? 0) && test(m.payload)),
        { timeout: options.timeout ?? 5_000, what: `a message on ${topic}` },
      ),
    async publish(topic, payload, options = {}) {
      await client.publishAsync(topic, payload, { qos: options.qos ?? 1, retain: options.retain ?? false });
    },
    clear: () => {
      messages.length = 0;
    },
    close: () => client.endAsync(true),
  };
}

/** A clock the rules tests move by hand. */
export class FakeClock {
  #now: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;

  constructor(start = Date.parse("2025-11-03T09:00:00Z")) {
    this.#now = start;
  }

  now = (): number => this.#now;

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as number);
  };

  pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = end;
  }
}
