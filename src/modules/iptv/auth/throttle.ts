/** Failures are forgotten this long after the last one. */
const FORGET_MS = 15 * 60 * 1000;
const MAX_TRACKED = 10_000;
/** Attempts from one suspect address that may wait for their turn; any more are refused at once. */
const MAX_WAITING = 4;

/** Whether an attempt may be checked, and after how long; or that it is refused outright. */
export type Admission = { waitMs: number; done(): void } | { refusedForMs: number };

/**
 * Slows down answers to an address that keeps getting the password wrong: after a few
 * free failures each further one doubles the wait, up to a ceiling. Right answers are
 * held back too while the address is under suspicion, so a guess cannot be confirmed early.
 * Attempts from a suspect address take turns, each a full wait after the one before, so
 * sending guesses in parallel is no faster than sending them one by one; past a few
 * waiting ones the rest are refused without being checked.
 */
export class LoginThrottle {
  readonly #failures = new Map<string, { count: number; last: number }>();
  /** Per suspect address with attempts waiting: when the last one's turn comes, and how many wait. */
  readonly #turns = new Map<string, { nextAt: number; waiting: number }>();
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

  /** Queues one login attempt from `address`; `done` must be called once it has been checked. */
  admit(address: string, now = Date.now()): Admission {
    const delay = this.delayMs(address, now);
    if (delay === 0) return { waitMs: 0, done: () => {} };
    let turn = this.#turns.get(address);
    if (!turn) {
      turn = { nextAt: now, waiting: 0 };
      this.#turns.set(address, turn);
    }
    if (turn.waiting >= MAX_WAITING) return { refusedForMs: Math.max(delay, turn.nextAt - now) };
    const at = Math.max(now, turn.nextAt) + delay;
    turn.nextAt = at;
    turn.waiting++;
    const queued = turn;
    let finished = false;
    return {
      waitMs: at - now,
      done: () => {
        if (finished) return;
        finished = true;
        queued.waiting--;
        if (queued.waiting === 0 && this.#turns.get(address) === queued) this.#turns.delete(address);
      },
    };
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
