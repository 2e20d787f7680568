import type { PcmOut } from "../../ports.ts";
import type { RealtimeConnection, ServerEvent } from "./connection.ts";
import {
  BYTES_PER_MS,
  REALTIME_RATE,
  type RealtimeOptions,
  type RealtimeTurnOptions,
  type RealtimeTurnResult,
} from "./types.ts";

/** After an interrupt the server's response.done (cancelled) is waited for only briefly. */
function settleAfterAbort(signal: AbortSignal): Promise<"aborted"> {
  return new Promise((resolve) => {
    const later = () => setTimeout(() => resolve("aborted"), 1500).unref?.();
    if (signal.aborted) later();
    else signal.addEventListener("abort", later, { once: true });
  });
}

interface Playback {
  sink: PcmOut | undefined;
  itemId: string | undefined;
  startedAt: number | undefined;
  bytes: number;
}

/** Milliseconds of the current item the person has actually heard. */
function heardMs(playback: Playback): number {
  if (playback.startedAt === undefined) return 0;
  const written = playback.bytes / BYTES_PER_MS;
  return Math.max(0, Math.floor(Math.min(written, performance.now() - playback.startedAt)));
}

/**
 * Runs response.create until the model answers without calling a function; plays the
 * audio as it arrives. An abort cancels the response and truncates what was not heard.
 */
export async function respond(
  connection: RealtimeConnection,
  options: RealtimeOptions,
  turn: RealtimeTurnOptions,
  result: RealtimeTurnResult,
): Promise<{ transcript: string; stop: string }> {
  let transcript = "";
  const playback: Playback = { sink: undefined, itemId: undefined, startedAt: undefined, bytes: 0 };
  let writes: Promise<void> = Promise.resolve();
  let responding = false;
  const onAbort = () => {
    if (responding) connection.send({ type: "response.cancel" });
    if (playback.itemId && playback.startedAt !== undefined) {
      connection.send({
        type: "conversation.item.truncate",
        item_id: playback.itemId,
        content_index: 0,
        audio_end_ms: heardMs(playback),
      });
    }
    playback.sink?.abort();
  };
  turn.signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const calls: Array<{ callId: string; name: string; arguments: string }> = [];
      responding = true;
      const done = new Promise<ServerEvent>((resolve, reject) => {
        const off = connection.on((event) => {
          switch (event.type) {
            case "response.output_audio.delta": {
              if (turn.signal.aborted) return;
              const pcm = Buffer.from(event.delta, "base64");
              if (playback.itemId !== event.item_id) {
                playback.itemId = event.item_id;
                playback.startedAt = undefined;
                playback.bytes = 0;
              }
              writes = writes.then(async () => {
                if (turn.signal.aborted) return;
                if (!playback.sink) {
                  turn.status("speaking");
                  const open = turn.openPcmOut ?? options.openPcmOut;
                  if (!open) throw new Error("no audio player for the Realtime answer");
                  playback.sink = await open({ rate: REALTIME_RATE, channels: 1 });
                }
                playback.startedAt ??= performance.now();
                playback.bytes += pcm.length;
                result.playedBytes += pcm.length;
                await playback.sink.write(pcm);
              });
              break;
            }
            case "response.output_audio_transcript.delta":
              transcript += event.delta;
              break;
            case "response.output_item.done":
              if (event.item.type === "function_call") {
                calls.push({
                  callId: event.item.call_id ?? "",
                  name: event.item.name,
                  arguments: event.item.arguments,
                });
              }
              break;
            case "response.done":
              off();
              offFail();
              resolve(event);
              break;
          }
        });
        const offFail = connection.onFailure((error) => {
          off();
          offFail();
          reject(error);
        });
      });
      if (transcript && !/\s$/.test(transcript)) transcript += " ";
      connection.send({ type: "response.create" });
      const finished = await Promise.race([done, settleAfterAbort(turn.signal)]);
      responding = false;
      if (finished === "aborted") return { transcript, stop: "cancelled" };
      if (finished.type !== "response.done") throw new Error("unexpected event");
      const status = finished.response.status ?? "completed";
      if (status === "cancelled" || turn.signal.aborted) return { transcript, stop: "cancelled" };
      if (status === "failed") {
        const detail = finished.response.status_details?.error;
        throw new Error(`the Realtime response failed: ${detail?.message ?? detail?.type ?? "no detail"}`);
      }
      if (calls.length === 0) {
        await writes;
        const sink = playback.sink;
        playback.sink = undefined;
        await sink?.end();
        return { transcript, stop: turn.signal.aborted ? "cancelled" : status };
      }
      turn.status("processing");
      for (const call of calls) {
        let input: unknown;
        try {
          input = JSON.parse(call.arguments || "{}");
        } catch {
          input = call.arguments;
        }
        result.toolCalls++;
        const outcome = await options.executor.execute(
          { name: call.name, input },
          { backend: "realtime", signal: turn.signal },
        );
        if (turn.signal.aborted) return { transcript, stop: "cancelled" };
        connection.send({
          type: "conversation.item.create",
          item: { type: "function_call_output", call_id: call.callId, output: outcome.output },
        });
      }
    }
  } finally {
    turn.signal.removeEventListener("abort", onAbort);
    await writes.catch(() => undefined);
    // A response that failed or was cancelled by the server: stop its player (and give the mic back).
    playback.sink?.abort();
  }
}
