import type { RealtimeBackend, RealtimeTurn, RealtimeTurnResult } from "./backend.ts";

/**
 * A Realtime turn that may start before the backend is ready (the key press comes
 * before the key is read): audio is held until the socket exists.
 */
export class LazyTurn {
  #turn: Promise<RealtimeTurn>;
  #held: Buffer[] = [];
  #ready: RealtimeTurn | undefined;

  constructor(backend: Promise<RealtimeBackend>, inputRate: number) {
    this.#turn = backend.then((b) => {
      const turn = b.startTurn(inputRate);
      for (const pcm of this.#held.splice(0)) turn.append(pcm);
      this.#ready = turn;
      return turn;
    });
    this.#turn.catch(() => undefined);
  }

  /** Resolves when the backend is there (rejects when it cannot be: no key). */
  async ready(): Promise<void> {
    await this.#turn;
  }

  append(pcm: Buffer): void {
    if (this.#ready) this.#ready.append(pcm);
    else this.#held.push(pcm);
  }

  async discard(): Promise<void> {
    const turn = await this.#turn.catch(() => undefined);
    await turn?.discard();
  }

  async finish(options: Parameters<RealtimeTurn["finish"]>[0]): Promise<RealtimeTurnResult> {
    return (await this.#turn).finish(options);
  }
}
