/** Failures are forgotten this long after the last one. */
const FORGET_MS = 15 * 60 * 1000;
const MAX_TRACKED = 10_000;

/**
 * Slows down answers to an address that keeps getting the password wrong: after a few
 * free failures each further one doubles the wait, up to a ceiling. Right answers are
 * held back too while the address is under suspicion, so a guess cannot be confirmed early.
 */
export class LoginThrottle {
  readonly #failures = new Map<string, { count: number; last: number }>();
  #free: number;
  #maxDelayMs: number;

  constructor(options: { free: number; maxDelayMs: number }) {
    this.#free = options.free;
    this.#maxDelayMs = options.maxDelayMs;
  }

  configure(options: { free: number; maxDelayMs: number }): void {
    this.#free = options.free;
    this.#maxDelayMs = options.maxDelayMs;
  }

  delayMs(address: string, now = Date.now()): number {
    const entry = this.#failures.get(address);
    if (!entry) return 0;
    if (now - entry.last > FORGET_MS) {
      this.#failures.delete(address);
      return 0;
    }
    const over = entry.count - this.#free;
    if (over <= 0) return 0;
    return Math.min(this.#maxDelayMs, 250 * 2 ** (over - 1));
  }

  failed(address: string, now = Date.now()): void {
    const entry = this.#failures.get(address);
    this.#failures.delete(address);
    this.#failures.set(address, {
      count: (entry && now - entry.last <= FORGET_MS ? entry.count : 0) + 1,
      last: now,
    });
    if (this.#failures.size > MAX_TRACKED) this.#failures.delete(this.#failures.keys().next().value!);
  }

  succeeded(address: string): void {
    this.#failures.delete(address);
  }
}
