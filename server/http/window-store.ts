import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';

/**
 * A fixed-window, in-process counter store for express-rate-limit. Its bundled MemoryStore returns its live
 * counter object, and the middleware reads it only after an `await`: requests that reach the limiter in the same
 * tick (a burst released together, e.g. by one shared account lookup) all read the final count and are all
 * refused. This store answers a snapshot taken at the increment, so exactly `limit` of them pass.
 */
export class WindowStore implements Store {
  readonly localKeys = true;
  private windowMs = 60_000;
  private readonly counters = new Map<string, { hits: number; resetAt: number }>();
  private sweeper: NodeJS.Timeout | undefined;

  init(options: Options): void {
    this.windowMs = options.windowMs;
    // Drop finished windows now and then, so idle keys do not pile up; never keeps the process alive.
    this.sweeper = setInterval(() => this.sweep(), Math.max(this.windowMs, 1000)).unref();
  }

  increment(key: string): ClientRateLimitInfo {
    const now = Date.now();
    let counter = this.counters.get(key);
    if (!counter || counter.resetAt <= now) {
      counter = { hits: 0, resetAt: now + this.windowMs };
      this.counters.set(key, counter);
    }
    counter.hits += 1;
    return { totalHits: counter.hits, resetTime: new Date(counter.resetAt) };
  }

  decrement(key: string): void {
    const counter = this.counters.get(key);
    if (counter && counter.hits > 0) counter.hits -= 1;
  }

  resetKey(key: string): void {
    this.counters.delete(key);
  }

  resetAll(): void {
    this.counters.clear();
  }

  shutdown(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, counter] of this.counters) if (counter.resetAt <= now) this.counters.delete(key);
  }
}
