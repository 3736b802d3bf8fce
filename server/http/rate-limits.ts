import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Connection } from 'mongoose';
import { RateLimiterMemory, type RateLimiterMongo } from 'rate-limiter-flexible';
import type { Logger } from 'winston';
import { AppError } from '../errors';
import { identityOf } from './auth';
import { createSharedLimiter, ensureRateLimitIndexes, SharedLimiterStore } from './shared-limiter';

const refuse: RequestHandler = (_req, _res, next) => next(new AppError('RATE_LIMITED'));

/** The limits of the contract, per window. */
export interface RateLimitSettings {
  /** AUTH_RATE_LIMIT: `/api/auth/*` calls per client IP per minute. */
  auth: number;
  /** PURCHASE_RATE_LIMIT: purchase calls per user per second. */
  purchase: number;
}

/**
 * Tells whether a purchase call will be answered from this process's memory with no database round trip (a sold
 * out sale, known to the live cache): such a call is counted per process only.
 */
export type AnsweredFromMemory = (req: Request) => boolean;

/** The two HTTP rate limits, counted in the database so that they hold across every instance on it. */
export interface RateLimits {
  /** Per client IP on /api/auth/*. */
  auth: RequestHandler;
  /**
   * Per verified user on purchases; must follow `authenticate`. Every call is counted in this process first (the
   * same limit and window, in memory); a call that will reach the database is also counted in the shared store.
   * So the calls that cost the database are limited across every instance, and a call refused from memory costs
   * no round trip of its own.
   */
  purchase(answeredFromMemory: AnsweredFromMemory): RequestHandler[];
}

/** express-rate-limit answers (draft-7 headers, Retry-After, the contract's 429) over a shared limiter. */
function middleware(
  limiter: RateLimiterMongo | RateLimiterMemory,
  windowMs: number,
  keyGenerator?: (req: Request) => string,
  skip?: (req: Request) => boolean,
): RequestHandler {
  return rateLimit({
    windowMs,
    limit: limiter.points,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    ...(keyGenerator ? { keyGenerator } : {}),
    ...(skip ? { skip } : {}),
    store: new SharedLimiterStore(limiter, `${limiter.keyPrefix}:`),
    handler: refuse,
  });
}

/**
 * Builds both limits on the app's connection and creates their collection's indexes before any request. The
 * auth key is Express's `req.ip`, so behind a proxy it is only right when `trust proxy` is set (TRUST_PROXY).
 */
export async function createRateLimits(
  connection: Connection,
  settings: RateLimitSettings,
  logger: Logger,
): Promise<RateLimits> {
  const auth = createSharedLimiter(
    connection,
    { name: 'auth', points: settings.auth, durationSeconds: 60 },
    logger,
  );
  const purchase = createSharedLimiter(
    connection,
    { name: 'purchase', points: settings.purchase, durationSeconds: 1 },
    logger,
  );
  // Both share one collection, so one call creates its indexes.
  await ensureRateLimitIndexes(auth);
  return {
    auth: middleware(auth, 60_000),
    purchase: (answeredFromMemory) => {
      const user = (req: Request) => identityOf(req).id;
      // Counted in this process by the same library (each answer is the count at that call, also under a burst).
      const local = new RateLimiterMemory({
        keyPrefix: 'purchase-local',
        points: settings.purchase,
        duration: 1,
      });
      return [middleware(local, 1000, user), middleware(purchase, 1000, user, answeredFromMemory)];
    },
  };
}
