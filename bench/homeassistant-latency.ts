/**
 * How long a store change takes to reach a subscriber on a real mosquitto through the
 * Home Assistant bridge, against the floor: MQTT.js publishing straight to the same
 * broker and subscriber, measured in the same run.
 *
 *   node bench/homeassistant-latency.ts [changes]     (default 1000)
 */
import mqtt, { type MqttClient } from "mqtt";
import { silentLogger } from "../src/core/log.ts";
import { Store } from "../src/core/store.ts";
import { Exposure } from "../src/modules/homeassistant/discovery/exposure.ts";
import { MqttBridge } from "../src/modules/homeassistant/mqtt/bridge.ts";
import { makeTopics } from "../src/modules/homeassistant/mqtt/topics.ts";
import { startMosquitto } from "../test/helpers/mosquitto.ts";
import { percentile, table } from "./lib.ts";

const CHANGES = Number(process.argv[2] ?? 1000);
const WARMUP = 100;
const GOAL_P99_MS = 10;

/** Sends the values `from`..`from + count - 1` one at a time and times each from send to arrival. */
async function measure(
  subscriber: MqttClient,
  topic: string,
  from: number,
  count: number,
  send: (value: number) => void,
): Promise<number[]> {
  const latencies: number[] = [];
  let waiting: { payload: string; resolve: () => void } | undefined;
  const onMessage = (t: string, payload: Buffer) => {
    if (t === topic && waiting && payload.toString() === waiting.payload) waiting.resolve();
  };
  subscriber.on("message", onMessage);
  for (let value = from; value < from + count; value++) {
    const arrived = new Promise<void>((resolve) => {
      waiting = { payload: String(value), resolve };
    });
    const start = process.hrtime.bigint();
    send(value);
    await arrived;
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  subscriber.off("message", onMessage);
  return latencies;
}

const broker = await startMosquitto();
try {
  const store = new Store();
  store.define({ id: "bench.value", kind: "sensor", name: "Value" });
  store.set("bench.value", -1);
  const topics = makeTopics({
    baseTopic: "deskhub",
    discoveryPrefix: "homeassistant",
    statusTopic: "homeassistant/status",
    nodeId: "bench",
  });
  const bridge = new MqttBridge({
    store,
    log: silentLogger(),
    exposure: new Exposure([]),
    device: { nodeId: "bench", name: "bench", version: "bench" },
    topics,
    url: broker.url,
    keepaliveSeconds: 30,
    reconnectPeriodMs: 1000,
    heartbeatMs: 3_600_000,
    debounceMs: 500,
    birthDelayMs: 0,
    retainDiscovery: true,
  });
  const subscriber = await mqtt.connectAsync(broker.url, { clientId: "bench-subscriber" });
  const publisher = await mqtt.connectAsync(broker.url, { clientId: "bench-publisher" });
  const bridgeTopic = topics.state("bench.value");
  const directTopic = "bench/direct";
  await subscriber.subscribeAsync([bridgeTopic, directTopic], { qos: 0 });
  await bridge.start();
  await new Promise<void>((resolve) => {
    const check = () => (bridge.connected ? resolve() : setTimeout(check, 10));
    check();
  });

  const viaBridge = (i: number) => store.set("bench.value", i);
  const direct = (i: number) => void publisher.publish(directTopic, String(i), { qos: 0, retain: true });

  await measure(subscriber, bridgeTopic, 1_000_000, WARMUP, viaBridge);
  await measure(subscriber, directTopic, 1_000_000, WARMUP, direct);
  // Interleaved halves, so drift on a shared machine hits both paths alike.
  const bridgeRuns: number[] = [];
  const directRuns: number[] = [];
  for (const half of [0, 1]) {
    const offset = (half * CHANGES) / 2;
    bridgeRuns.push(...(await measure(subscriber, bridgeTopic, offset, CHANGES / 2, viaBridge)));
    directRuns.push(...(await measure(subscriber, directTopic, offset, CHANGES / 2, direct)));
  }

  const row = (name: string, values: number[]) => {
    const p50 = percentile(values, 50);
    const p99 = percentile(values, 99);
    return { name, p50, p99, max: Math.max(...values) };
  };
  const base = row("baseline: MQTT.js publish -> subscriber", directRuns);
  const ours = row("store.set -> bridge -> subscriber", bridgeRuns);
  table(
    `Home Assistant bridge latency, mosquitto on loopback, ${CHANGES} changes (QoS 0, retained)`,
    ["path", "p50 ms", "p99 ms", "max ms", "p50 ratio", "p99 ratio"],
    [base, ours].map((r) => [r.name, r.p50, r.p99, r.max, r.p50 / base.p50, r.p99 / base.p99]),
  );
  console.log(
    `\ngoal p99 < ${GOAL_P99_MS} ms: ${ours.p99 < GOAL_P99_MS ? "met" : "NOT met"} (${ours.p99.toFixed(2)} ms)`,
  );

  await bridge.stop();
  await subscriber.endAsync();
  await publisher.endAsync();
} finally {
  await broker.close();
}
