import { errorMessage } from "../../../../../core/errors.ts";
import { endsWithQuestion } from "../../conversation/converse.ts";
import { RealtimeConnection } from "./connection.ts";
import { LinearResampler } from "./resample.ts";
import { respond } from "./respond.ts";
import {
  BYTES_PER_MS,
  MIN_COMMIT_MS,
  REALTIME_RATE,
  type RealtimeOptions,
  type RealtimeTurnOptions,
  type RealtimeTurnResult,
} from "./types.ts";

export type { RealtimeOptions, RealtimeTurnOptions, RealtimeTurnResult } from "./types.ts";

/**
 * OpenAI's Realtime API, push-to-talk: audio is appended while the key is held, and on
 * release the buffer is committed and a response requested (no server VAD). The answer's
 * audio plays as it streams; function calls go through the tool executor and their
 * output goes back as function_call_output items before the next response.create. The
 * interrupt cancels the response and truncates the item to what was actually heard.
 */
export class RealtimeBackend {
  readonly mode = "realtime" as const;
  #options: RealtimeOptions;
  #connection: Promise<RealtimeConnection> | undefined;
  #idle: NodeJS.Timeout | undefined;

  constructor(options: RealtimeOptions) {
    this.#options = options;
  }

  /** Opens the socket (or reuses an open one); call at key press so it is ready on release. */
  connect(): Promise<RealtimeConnection> {
    clearTimeout(this.#idle);
    const existing = this.#connection;
    if (existing) {
      return existing.then(
        (c) => (c.closed ? this.#open() : c),
        () => this.#open(),
      );
    }
    return this.#open();
  }

  #open(): Promise<RealtimeConnection> {
    const options = this.#options;
    const tools = options.executor.definitions().map((d) => ({
      type: "function" as const,
      name: d.name,
      description: d.description,
      parameters: d.parameters,
    }));
    this.#connection = RealtimeConnection.open({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      model: options.model,
      wsOptions: options.wsOptions,
      session: {
        type: "realtime",
        instructions: options.instructions(),
        output_modalities: ["audio"],
        audio: {
          input: { format: { type: "audio/pcm", rate: REALTIME_RATE }, turn_detection: null },
          output: { format: { type: "audio/pcm", rate: REALTIME_RATE }, voice: options.voice },
        },
        tools,
        tool_choice: "auto",
      },
    });
    this.#connection.catch(() => {
      this.#connection = undefined;
    });
    return this.#connection;
  }

  /** A typed question (the CLI): answered out loud like a spoken one. */
  ask(question: string, options: RealtimeTurnOptions): Promise<RealtimeTurnResult> {
    return new RealtimeTurn(this, this.#options, REALTIME_RATE).finish(options, question);
  }

  /** Starts a push-to-talk turn: append audio while the key is held, then `finish`. */
  startTurn(inputRate = 16_000): RealtimeTurn {
    return new RealtimeTurn(this, this.#options, inputRate);
  }

  /** After a turn: keep the socket for a while, then close it. */
  release(): void {
    clearTimeout(this.#idle);
    const close = () => {
      const connection = this.#connection;
      this.#connection = undefined;
      void connection?.then(
        (c) => c.close(),
        () => undefined,
      );
    };
    if (this.#closing || this.#options.keepOpenMs <= 0) close();
    else {
      this.#idle = setTimeout(close, this.#options.keepOpenMs);
      this.#idle.unref?.();
    }
  }

  close(): void {
    this.#closing = true;
    this.release();
  }

  #closing = false;
}

export class RealtimeTurn {
  #backend: RealtimeBackend;
  #options: RealtimeOptions;
  #resampler: LinearResampler | undefined;
  #connection: Promise<RealtimeConnection>;
  #queued: Buffer[] = [];
  #sentBytes = 0;
  #appendError: unknown;

  constructor(backend: RealtimeBackend, options: RealtimeOptions, inputRate: number) {
    this.#backend = backend;
    this.#options = options;
    this.#resampler = inputRate === REALTIME_RATE ? undefined : new LinearResampler(inputRate, REALTIME_RATE);
    this.#connection = backend.connect();
    this.#connection.then(
      (c) => this.#flush(c),
      (error) => (this.#appendError = error),
    );
  }

  /** Audio while the key is held (mono s16le at the turn's input rate); sent as it comes. */
  append(pcm: Buffer): void {
    const audio = this.#resampler ? this.#resampler.push(pcm) : pcm;
    if (audio.length === 0) return;
    this.#queued.push(audio);
    void this.#connection.then(
      (c) => this.#flush(c),
      () => undefined,
    );
  }

  #flush(connection: RealtimeConnection): void {
    for (const audio of this.#queued.splice(0)) {
      connection.send({ type: "input_audio_buffer.append", audio: audio.toString("base64") });
      this.#sentBytes += audio.length;
    }
  }

  /** The key was released too early or the turn was cancelled: the audio is thrown away. */
  async discard(): Promise<void> {
    const connection = await this.#connection.catch(() => undefined);
    if (connection && !connection.closed) connection.send({ type: "input_audio_buffer.clear" });
    this.#backend.release();
  }

  /**
   * Key released: commit, ask for the answer, play it, run its tool calls, listen for a
   * follow-up. With `text`, the question is that text instead of the recorded audio.
   */
  async finish(options: RealtimeTurnOptions, text?: string): Promise<RealtimeTurnResult> {
    const result: RealtimeTurnResult = {
      answer: "",
      stop: "completed",
      toolCalls: 0,
      sentBytes: 0,
      playedBytes: 0,
      followUps: 0,
    };
    try {
      const connection = await this.#connection;
      if (this.#appendError) throw this.#appendError;
      this.#flush(connection);
      result.sentBytes = this.#sentBytes;
      if (text !== undefined) {
        options.status("processing");
        connection.send({
          type: "conversation.item.create",
          item: { type: "message", role: "user", content: [{ type: "input_text", text }] },
        });
      } else {
        if (this.#sentBytes < MIN_COMMIT_MS * BYTES_PER_MS) {
          connection.send({ type: "input_audio_buffer.clear" });
          options.status("idle");
          return { ...result, stop: "too_short" };
        }
        options.status("processing");
        connection.send({ type: "input_audio_buffer.commit" });
        await connection.waitFor((e) => e.type === "input_audio_buffer.committed", {
          signal: options.signal,
        });
      }
      for (;;) {
        const answer = await respond(connection, this.#options, options, result);
        result.answer = answer.transcript;
        result.stop = answer.stop;
        if (answer.stop !== "completed" || options.signal.aborted) break;
        if (!options.listen || options.followUpMs <= 0 || !endsWithQuestion(answer.transcript)) break;
        if (result.followUps >= 5) break;
        options.status("listening");
        const heard = (await options.listen(options.followUpMs, options.signal)).trim();
        if (!heard || options.signal.aborted) break;
        result.followUps++;
        options.status("processing");
        connection.send({
          type: "conversation.item.create",
          item: { type: "message", role: "user", content: [{ type: "input_text", text: heard }] },
        });
      }
      options.status("idle");
      return result;
    } catch (error) {
      if (options.signal.aborted) {
        options.status("idle");
        return { ...result, stop: "cancelled" };
      }
      options.status("error", errorMessage(error));
      throw error;
    } finally {
      this.#backend.release();
    }
  }
}
