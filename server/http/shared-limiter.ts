import type { ClientRateLimitInfo, Store } from 'express-rate-limit';
import type { Connection } from 'mongoose';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from 'winston';

/** The collection of every shared rate-limit counter: one document per key and window. */
export const RATE_LIMIT_COLLECTION = 'ratelimits';

/** A database outage is logged at most this often per limiter while its insurance decides. */
const FALLBACK_LOG_EVERY_MS = 60_000;

/** What one shared limiter counts. */
export interface SharedLimiterOptions {
  /** Prefix of its keys in the shared collection (e.g. `auth`); unique per limiter. */
  name: string;
  /** Calls allowed per window and key. */
  points: number;
  /** The window, in whole seconds. */
  durationSeconds: number;
}

/**
 * The per-process limiter that decides while the database cannot: the same limit, counted in this process only.
 * Each time it is asked, the shared store has just failed; that is logged, at most once a minute.
 */
class InsuranceLimiter extends RateLimiterMemory {
  private loggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    options: SharedLimiterOptions,
    private readonly logger: Logger,
  ) {
    super({ keyPrefix: options.name, points: options.points, duration: options.durationSeconds });
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>) {
    const now = Date.now();
    if (now - this.loggedAt >= FALLBACK_LOG_EVERY_MS) {
      this.loggedAt = now;
      this.logger.warn('rate-limit store unreachable: limits hold per process until it answers', {
        limiter: this.keyPrefix,
      });
    }
    return super.consume(key, points, options);
  }
}

/**
 * A fixed-window limiter whose counters live in the database (rate-limiter-flexible's RateLimiterMongo), so every
 * instance on the database shares them. Each allowed call costs one `findOneAndUpdate` (`$inc`, upsert); once a
 * key has used its points, this process refuses it in memory until the window ends, with no round trip. Expiry
 * is checked by the library on every read and write (`expire > now`), so correctness never waits for the TTL
 * index (which only cleans up). When the database fails, an in-memory limiter with the same limit decides.
 */
export function createSharedLimiter(
  connection: Connection,
  options: SharedLimiterOptions,
  logger: Logger,
): RateLimiterMongo {
  return new RateLimiterMongo({
    storeClient: connection.getClient(),
    dbName: connection.name,
    tableName: RATE_LIMIT_COLLECTION,
    keyPrefix: options.name,
    points: options.points,
    duration: options.durationSeconds,
    // Blocked in memory from the call that uses the last point until the window's end (the stored expiry).
    inMemoryBlockOnConsumed: options.points,
    insuranceLimiter: new InsuranceLimiter(options, logger),
    // Created (and awaited) by ensureRateLimitIndexes before the first request, never in the background.
    disableIndexesCreation: true,
  });
}

/**
 * The shared collection's indexes: unique on `key` (two instances starting a window at once make one document;
 * the loser's upsert fails with a duplicate key and the library retries it as an update) and a TTL index on
 * `expire` that lets MongoDB delete finished windows.
 */
export async function ensureRateLimitIndexes(limiter: RateLimiterMongo): Promise<void> {
  await limiter.createIndexes();
}

/**
 * An express-rate-limit store backed by a rate-limiter-flexible limiter (the shared one, or a per-process
 * RateLimiterMemory): express-rate-limit keeps the HTTP side (the draft-7 `RateLimit` headers and `Retry-After`),
 * the limiter keeps the count. A refusal from the in-memory block carries no count, so it reports one call over
 * the limit.
 *
 * Windows are fixed and aligned to the clock (`<key>:<window number>`, the classic counter-per-window layout):
 * each window is a document of its own, so the first call of a window is one upsert that inserts it. Reusing
 * one document per key would make that call two round trips and a duplicate-key error whenever the previous
 * window's document is still there (the library's upsert matches only unexpired documents, then replaces the
 * expired one), which is every call of a buyer who calls less often than once per window. Finished windows are
 * deleted by the TTL index on `expire`.
 */
export class SharedLimiterStore implements Store {
  readonly localKeys: boolean;
  private windowMs = 0;

  constructor(
    private readonly limiter: RateLimiterMongo | RateLimiterMemory,
    readonly prefix: string,
  ) {
    this.localKeys = limiter instanceof RateLimiterMemory;
  }

  init(options: { windowMs: number }): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const window = this.windowOf();
    const resetTime = new Date((window + 1) * this.windowMs);
    try {
      return this.info(await this.limiter.consume(`${key}:${window}`), 0, resetTime);
    } catch (error) {
      if (error instanceof RateLimiterRes) return this.info(error, this.limiter.points + 1, resetTime);
      throw error;
    }
  }

  async decrement(key: string): Promise<void> {
    await this.limiter.reward(`${key}:${this.windowOf()}`);
  }

  async resetKey(key: string): Promise<void> {
    await this.limiter.delete(`${key}:${this.windowOf()}`);
  }

  /** The number of the current window (windows are aligned to the clock). */
  private windowOf(): number {
    return Math.floor(Date.now() / this.windowMs);
  }

  private info(res: RateLimiterRes, atLeast: number, resetTime: Date): ClientRateLimitInfo {
    return { totalHits: Math.max(res.consumedPoints, atLeast), resetTime };
  }
}
